from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Model
from django.http import HttpRequest

from sscard.common.context import Actor, Role


class StaffAdminSite(admin.AdminSite):
    """The Django admin (outlets, policies, banks, API clients, staff) for system
    administrators only: a console user who is somehow marked as staff still cannot enter."""

    site_header = "sscard administration"
    site_title = "sscard admin"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser:
            return True
        from sscard.staff.models import StaffMember

        return StaffMember.objects.filter(user_id=user.pk, role=Role.ADMIN).exists()


class StaffAdminConfig(AdminConfig):
    """Django's admin app with `StaffAdminSite` as its site."""

    default = False
    default_site = "sscard.staff.admin_site.StaffAdminSite"


def admin_actor(request: HttpRequest) -> Actor:
    from sscard.staff.selectors import admin_actor as actor_of

    return actor_of(request.user)


class AuditedModelAdmin(admin.ModelAdmin):
    """An admin whose saves go through the domain's service, which writes the audit event;
    the admin's own transaction holds both."""

    def save_through_service(self, *, actor: Actor, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        self.save_through_service(actor=admin_actor(request), obj=obj)
