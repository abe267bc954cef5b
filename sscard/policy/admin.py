"""The admin page of regional policies: changes and deletions go through the policy's service and
are audited; the default policy stays."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from sscard.common.audited_admin import AuditedModelAdmin
from sscard.common.context import Actor
from sscard.common.errors import DomainError
from sscard.policy.models import RegionalPolicy
from sscard.policy.services import delete_policy, save_policy


@admin.register(RegionalPolicy)
class RegionalPolicyAdmin(AuditedModelAdmin):
    """Regional policies; every change and deletion is audited. The default policy (empty
    prefix) stays."""

    list_display = (
        "region_prefix",
        "name",
        "temporary_validity",
        "temporary_validity_unit",
        "on_temporary_lapse",
        "reissue_fee",
        "wrong_pins_before_lock",
        "ecard_blocked_by_loss",
    )
    search_fields = ("region_prefix", "name")

    def save_through_service(self, *, actor: Actor, obj: Any) -> None:
        save_policy(actor=actor, policy=obj)

    def has_delete_permission(
        self, request: HttpRequest, obj: RegionalPolicy | None = None
    ) -> bool:
        if obj is not None and obj.region_prefix == "":
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: RegionalPolicy) -> None:
        delete_policy(actor=self.actor(request), policy=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RegionalPolicy]) -> None:
        actor = self.actor(request)
        for policy in queryset.order_by("pk"):
            try:
                delete_policy(actor=actor, policy=policy)
            except DomainError as refused:
                self.message_user(request, refused.detail, level=messages.ERROR)
