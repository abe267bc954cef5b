from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import DomainError
from sscard.staff.models import StaffMember
from sscard.staff.services import bind_staff_member, check_role_outlet


class StaffMemberForm(forms.ModelForm):
    class Meta:
        model = StaffMember
        fields = ("user", "role", "outlet")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, outlet = data.get("role"), data.get("outlet")
        if role and outlet is not None:
            try:
                check_role_outlet(role, outlet)
            except DomainError as refused:
                self.add_error("outlet", refused.detail)
        return data


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    """Bind a user (made under Users) to a role and an outlet; the role's group and access to
    this admin follow the role, and every binding is audited."""

    form = StaffMemberForm
    list_display = ("user", "role", "outlet", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "outlet__code", "outlet__name")
    autocomplete_fields = ("outlet",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: StaffMember | None = None
    ) -> tuple[str, ...]:
        # A binding belongs to its user: rebind another user by adding a binding for them.
        return ("user", "created_at") if obj is not None else ("created_at",)

    def save_model(self, request: HttpRequest, obj: StaffMember, form: Any, change: bool) -> None:
        actor = Actor(
            kind="staff", id=request.user.get_username(), role=Role.ADMIN, channel=Channel.SYSTEM
        )
        saved = bind_staff_member(actor=actor, user=obj.user, role=obj.role, outlet=obj.outlet)
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def has_delete_permission(self, request: HttpRequest, obj: StaffMember | None = None) -> bool:
        # A binding is never deleted (the audit log names it): deactivate the user instead.
        return False
