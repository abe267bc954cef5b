"""Staff accounts: users, their binding to a role and an outlet, and the role groups; every
change audited. The PIN pad is in `pin_pads`, the console's recorded acts in `recorded_acts`."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.db import transaction

from sscard.audit.services import record_change, record_event, snapshot
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import ErrorCode, FieldError, NotFound, ValidationError, check_one_of
from sscard.outlets.models import Outlet
from sscard.staff.models import StaffMember
from sscard.staff.roles import (
    ADMIN_MODELS,
    ROLE_OUTLET_TYPES,
    ROLE_PERMISSIONS,
    STAFF_ROLES,
)


def ensure_role_group(role: str) -> Group:
    """The role's group with exactly the role's permissions."""
    group, _ = Group.objects.get_or_create(name=role)
    wanted = Permission.objects.filter(
        content_type__app_label="staff", codename__in=ROLE_PERMISSIONS[role]
    )
    perms = set(wanted)
    if role == "admin":
        for app_label, model in ADMIN_MODELS:
            perms |= set(
                Permission.objects.filter(
                    content_type__app_label=app_label,
                    codename__in=[f"{a}_{model}" for a in ("add", "change", "delete", "view")],
                )
            )
    if set(group.permissions.all()) != perms:
        group.permissions.set(perms)
    return group


def check_role_outlet(role: str, outlet: Outlet) -> None:
    """Each role works at its kind of outlet: a bank clerk at a bank outlet, a window clerk at
    an agency, bureau or sub-district office, and so on (DOMAIN.md section 2)."""
    check_one_of(
        role, STAFF_ROLES, field="role", detail="Unknown staff role.", code=ErrorCode.INVALID_ROLE
    )
    if outlet.type not in ROLE_OUTLET_TYPES[role]:
        allowed = ", ".join(sorted(ROLE_OUTLET_TYPES[role]))
        raise ValidationError(
            f"A {role.replace('_', ' ')} works at an outlet of type {allowed}, "
            f"not at {outlet.code} ({outlet.type}).",
            code=ErrorCode.ROLE_OUTLET_MISMATCH,
            errors=[FieldError("outlet", f"must be of type {allowed}")],
        )
    if not outlet.active:
        raise ValidationError(
            f"Outlet {outlet.code} is closed.",
            code=ErrorCode.OUTLET_INACTIVE,
            errors=[FieldError("outlet", "is not active")],
        )


def check_not_self(actor: Actor, user: Any) -> None:
    """Nobody gives themselves a role or an outlet: another administrator does."""
    if actor.kind == "staff" and actor.id == user.get_username():
        raise ValidationError(
            "You cannot change your own role or outlet: ask another system administrator.",
            code=ErrorCode.OWN_BINDING,
            errors=[FieldError("user", "is you")],
        )


def bind_staff_member(*, actor: Actor, user: Any, role: str, outlet: Outlet) -> StaffMember:
    """Bind a user to a role and an outlet: the role's group only (no permission of its own,
    never superuser), and the Django admin for system administrators only. Audited."""
    check_role_outlet(role, outlet)
    check_not_self(actor, user)
    with transaction.atomic():
        member = StaffMember.objects.select_for_update().filter(user=user).first()
        before: dict[str, Any] = (
            {"role": member.role, "outlet": member.outlet.code} if member is not None else {}
        )
        if member is None:
            member = StaffMember(user=user, created_at=clock.now())
        member.role, member.outlet = role, outlet
        member.save()
        groups = [ensure_role_group(role)]
        user.groups.set(groups)
        user.user_permissions.clear()
        is_admin = role == "admin"
        if user.is_staff != is_admin:
            user.is_staff = is_admin
            user.save(update_fields=["is_staff"])
        after = {"role": role, "outlet": outlet.code}
        if before != after:
            record_event(
                actor=actor,
                action="staff.bound",
                object_type="staff",
                object_id=user.get_username(),
                before=before,
                after=after,
            )
        return member


def create_staff_user(
    *, actor: Actor, username: str, password: str | None, role: str, outlet_code: str
) -> AbstractUser:
    """A console user bound to a role and an outlet; without a password, the user cannot sign
    in until one is set."""
    outlet = Outlet.objects.filter(code=outlet_code).first()
    if outlet is None:
        raise NotFound(f"No outlet {outlet_code}.", code=ErrorCode.OUTLET_NOT_FOUND)
    check_role_outlet(role, outlet)
    model = get_user_model()
    with transaction.atomic():
        user = model.objects.create_user(username=username, password=password)
        bind_staff_member(actor=actor, user=user, role=role, outlet=outlet)
    return user


USER_FIELDS = ("username", "first_name", "last_name", "email", "is_active")
# Personal data: recorded as set, changed or unset, never with their values.
USER_PERSONAL_FIELDS = ("first_name", "last_name", "email")


def save_staff_user(*, actor: Actor, user: AbstractUser) -> AbstractUser:
    """Create a user or change their account (name, e-mail, active). What a user may do
    follows only from their binding (bind_staff_member): this never changes is_staff,
    is_superuser, groups or permissions, whatever the instance holds. Audited."""
    model = get_user_model()
    with transaction.atomic():
        before = None
        if user.pk is None:
            user.is_staff = user.is_superuser = False
        else:
            stored = model.objects.select_for_update().get(pk=user.pk)
            before = snapshot(stored, USER_FIELDS)
            user.is_staff, user.is_superuser = stored.is_staff, stored.is_superuser
        user.save()
        record_change(
            actor=actor,
            object_type="staff",
            object_id=user.get_username(),
            before=before,
            after=snapshot(user, USER_FIELDS),
            secret=USER_PERSONAL_FIELDS,
        )
    return user


def record_password_set(*, actor: Actor, user: AbstractUser) -> None:
    """A password set by an administrator (the user's sign-in changes hands): who and whose,
    inside the transaction that sets it."""
    record_event(
        actor=actor,
        action="staff.password_set",
        object_type="staff",
        object_id=user.get_username(),
        before={},
        after={"password": "changed"},
    )


# What an administrator deletes of django-axes' sign-in records, as the audit names it.
SIGNIN_RECORD_ACTIONS = {
    "accessattempt": "signin.lockout_cleared",
    "accesslog": "signin.log_deleted",
    "accessfailurelog": "signin.failure_log_deleted",
}


def delete_signin_records(*, actor: Actor, records: Any) -> int:
    """Delete sign-in records (a queryset of one of django-axes' models) in the admin's
    transaction: failed attempts (which unlocks an account locked out), or the log of
    sign-ins and failures. One audit event per user name: whose records, how many; never the
    addresses they came from."""
    action = SIGNIN_RECORD_ACTIONS[records.model._meta.model_name]
    with transaction.atomic():
        counts = Counter(name or "" for name in records.values_list("username", flat=True))
        deleted, _ = records.delete()
        for username, count in sorted(counts.items()):
            record_event(
                actor=actor,
                action=action,
                object_type="staff",
                object_id=username,
                before={"records": count},
                after={"records": 0},
            )
    return deleted
