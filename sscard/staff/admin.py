"""The admin pages of staff accounts and their bindings (role and outlet); what a user may do
follows only from the binding, and every change is audited."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from sscard.common.audited_admin import AuditedModelAdmin
from sscard.common.context import Actor
from sscard.common.errors import DomainError
from sscard.staff.admin_site import admin_actor
from sscard.staff.models import StaffMember
from sscard.staff.selectors import may_manage_user
from sscard.staff.services import (
    bind_staff_member,
    check_not_self,
    check_role_outlet,
    delete_signin_records,
    record_password_set,
    save_staff_user,
)

User = get_user_model()

# A role's permissions are its group's, kept in code (staff.roles): not edited here.
admin.site.unregister(Group)
admin.site.unregister(User)
for model in (AccessAttempt, AccessLog, AccessFailureLog):
    admin.site.unregister(model)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Accounts: user name, password, name, e-mail, active. What a user may do follows only
    from their staff binding (below): superuser, staff, groups and permissions are shown, never
    edited here (superusers are made on the command line). Every change is audited."""

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Access: follows the staff binding; superusers only from the command line",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = (
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
        "last_login",
        "date_joined",
    )
    filter_horizontal = ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        save_staff_user(actor=admin_actor(request), user=obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not may_manage_user(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The audit log names users: deactivate instead.
        return False

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and isinstance(response, HttpResponseRedirect):
                record_password_set(actor=admin_actor(request), user=User.objects.get(pk=id))
        return response


class StaffMemberForm(forms.ModelForm):
    actor: Actor | None = None

    class Meta:
        model = StaffMember
        fields = ("user", "role", "outlet")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, outlet = data.get("role"), data.get("outlet")
        user = data.get("user") or getattr(self.instance, "user", None)
        try:
            if user is not None and self.actor is not None:
                check_not_self(self.actor, user)
            if role and outlet is not None:
                check_role_outlet(role, outlet)
        except DomainError as refused:
            field = refused.errors[0].field if refused.errors else "outlet"
            self.add_error(field if field in self.fields else None, refused.detail)
        return data


@admin.register(StaffMember)
class StaffMemberAdmin(AuditedModelAdmin):
    """Bind a user (made under Users) to a role and an outlet; the role's group and access to
    this admin follow the role, and every binding is audited. Nobody binds themselves."""

    form = StaffMemberForm
    list_display = ("user", "role", "outlet", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "outlet__code", "outlet__name")
    autocomplete_fields = ("outlet",)

    def get_form(
        self,
        request: HttpRequest,
        obj: StaffMember | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        form: Any = super().get_form(request, obj, change=change, **kwargs)
        form.actor = self.actor(request)  # a new form class on every call
        return form

    def get_readonly_fields(
        self, request: HttpRequest, obj: StaffMember | None = None
    ) -> tuple[str, ...]:
        # A binding belongs to its user: rebind another user by adding a binding for them.
        return ("user", "created_at") if obj is not None else ("created_at",)

    def save_through_service(self, *, actor: Actor, obj: Any) -> None:
        saved = bind_staff_member(actor=actor, user=obj.user, role=obj.role, outlet=obj.outlet)
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def has_delete_permission(self, request: HttpRequest, obj: StaffMember | None = None) -> bool:
        # A binding is never deleted (the audit log names it): deactivate the user instead.
        return False


class AuditedSigninRecords(admin.ModelAdmin):
    """django-axes' sign-in records, deleted only through `delete_signin_records`: clearing an
    account's failed attempts unlocks it, and deleting the log hides who signed in; both are
    audited as the administrator."""

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        records = type(obj).objects.filter(pk=obj.pk)
        delete_signin_records(actor=admin_actor(request), records=records)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        delete_signin_records(actor=admin_actor(request), records=queryset)


@admin.register(AccessAttempt)
class SigninAttemptAdmin(AuditedSigninRecords, AccessAttemptAdmin):
    pass


@admin.register(AccessLog)
class SigninLogAdmin(AuditedSigninRecords, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class SigninFailureLogAdmin(AuditedSigninRecords, AccessFailureLogAdmin):
    pass
