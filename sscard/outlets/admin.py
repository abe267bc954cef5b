"""The admin page of outlets: changes go through the outlets' service and are audited."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sscard.common.audited_admin import AuditedModelAdmin
from sscard.common.context import Actor
from sscard.outlets.models import Outlet
from sscard.outlets.services import save_outlet


@admin.register(Outlet)
class OutletAdmin(AuditedModelAdmin):
    """Outlets; every change is audited. An outlet is closed (untick `active`), never deleted:
    staff, applications and loss reports name it."""

    list_display = ("code", "name", "type", "region_code", "bank", "active")
    list_filter = ("type", "region_code", "active")
    search_fields = ("code", "name", "address")

    def save_through_service(self, *, actor: Actor, obj: Any) -> None:
        save_outlet(actor=actor, outlet=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Outlet | None = None) -> bool:
        return False
