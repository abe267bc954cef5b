"""The admin pages of banks and API clients: changes go through the partners' services and are
audited; a client is revoked here, never made."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from sscard.common.audited_admin import AuditedModelAdmin
from sscard.common.context import Actor
from sscard.common.errors import DomainError
from sscard.partners.models import ApiClient, Bank
from sscard.partners.services import revoke_api_client, save_bank
from sscard.partners.webhook_urls import check_webhook_url


class BankForm(forms.ModelForm):
    webhook_url = forms.URLField(required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Bank
        fields = ("code", "name", "webhook_url", "webhook_secret")
        widgets = {"webhook_secret": forms.PasswordInput(render_value=True)}

    def clean_webhook_url(self) -> str:
        try:
            return check_webhook_url(self.cleaned_data.get("webhook_url") or "")
        except DomainError as refused:
            raise forms.ValidationError(refused.detail) from None


@admin.register(Bank)
class BankAdmin(AuditedModelAdmin):
    """Banks; every change is audited (the webhook URL and secret as changed, never their
    values). A bank is never deleted: its cards and outlets name it."""

    form = BankForm
    list_display = ("code", "name", "webhook_url")
    search_fields = ("code", "name")

    def save_through_service(self, *, actor: Actor, obj: Any) -> None:
        save_bank(actor=actor, bank=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Bank | None = None) -> bool:
        return False


@admin.register(ApiClient)
class ApiClientAdmin(AuditedModelAdmin):
    """Clients are made with `sscard token create` (the token is shown once); here they are
    read and revoked (audited, like `sscard token revoke`)."""

    list_display = (
        "name",
        "scope_list",
        "outlet",
        "bank",
        "token_prefix",
        "created_at",
        "revoked_at",
    )
    list_filter = ("bank",)
    search_fields = ("name",)
    readonly_fields = (
        "name",
        "scopes",
        "outlet",
        "bank",
        "token_prefix",
        "created_at",
        "revoked_at",
    )
    exclude = ("token_hash",)
    actions = ("revoke",)

    @admin.action(description="Revoke the selected clients' tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        actor = self.actor(request)
        for client in queryset:
            revoke_api_client(actor=actor, name=client.name)
        self.message_user(request, f"Revoked {queryset.count()} client(s).")

    @admin.display(description="scopes")
    def scope_list(self, obj: ApiClient) -> str:
        return ", ".join(obj.scopes)

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        """Every field is read-only here: a save changes nothing (revoking is the action)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiClient | None = None) -> bool:
        return False
