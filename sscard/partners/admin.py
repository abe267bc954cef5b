from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from sscard.common.context import Actor, Channel, Role
from sscard.partners.models import ApiClient, Bank
from sscard.partners.services import revoke_api_client


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "webhook_url")
    search_fields = ("code", "name")


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
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
        actor = Actor(
            kind="staff",
            id=request.user.get_username(),
            role=Role.ADMIN,
            channel=Channel.SYSTEM,
        )
        for client in queryset:
            revoke_api_client(actor=actor, name=client.name)
        self.message_user(request, f"Revoked {queryset.count()} client(s).")

    @admin.display(description="scopes")
    def scope_list(self, obj: ApiClient) -> str:
        return ", ".join(obj.scopes)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiClient | None = None) -> bool:
        return False
