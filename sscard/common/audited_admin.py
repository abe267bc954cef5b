"""What every app's admin pages share: a save goes through the app's domain service, which
writes the audit event in the admin's own transaction, as the actor that the admin site names.

The site that knows who acts (`sscard.staff.admin_site.StaffAdminSite`) stands above the apps
whose models it shows; each app's admin asks its site, so it imports nothing above its app.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model
from django.http import HttpRequest

from sscard.common.context import Actor


class AuditedAdminSite(admin.AdminSite):
    """An admin site that names the actor of every change made through it."""

    def actor(self, request: HttpRequest) -> Actor:
        raise NotImplementedError


class AuditedModelAdmin(admin.ModelAdmin):
    """An admin whose saves go through the domain's service, which writes the audit event;
    the admin's own transaction holds both."""

    def actor(self, request: HttpRequest) -> Actor:
        site = self.admin_site
        if not isinstance(site, AuditedAdminSite):
            raise ImproperlyConfigured(f"{type(self).__name__} needs a site that names actors")
        return site.actor(request)

    def save_through_service(self, *, actor: Actor, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        self.save_through_service(actor=self.actor(request), obj=obj)
