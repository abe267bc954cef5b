"""The Django admin site, for system administrators only, and the Actor it acts as."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

from sscard.common.audited_admin import AuditedAdminSite
from sscard.common.context import Actor, Role


class StaffAdminSite(AuditedAdminSite):
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

    def actor(self, request: HttpRequest) -> Actor:
        return admin_actor(request)


class StaffAdminConfig(AdminConfig):
    """Django's admin app with `StaffAdminSite` as its site."""

    default = False
    default_site = "sscard.staff.admin_site.StaffAdminSite"


def admin_actor(request: HttpRequest) -> Actor:
    from sscard.staff.selectors import admin_actor as actor_of

    return actor_of(request.user)
