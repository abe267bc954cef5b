"""Who a console user is, what they may see, and the Actor their actions are recorded as."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from sscard.applications.models import CardApplication
from sscard.applications.selectors import applications
from sscard.cards.models import LossReport
from sscard.common.context import Actor, Channel, Role
from sscard.partners.selectors import is_own_bank_id, of_own_bank
from sscard.staff.models import StaffMember
from sscard.staff.roles import ROLE_CHANNELS


def member_of(user: AbstractBaseUser | AnonymousUser) -> StaffMember | None:
    """The staff binding of a signed-in user, or None (anonymous, or no binding)."""
    if not user.is_authenticated or not user.is_active:
        return None
    return (
        StaffMember.objects.select_related("user", "outlet", "outlet__bank")
        .filter(user_id=user.pk)
        .first()
    )


def actor_for(member: StaffMember) -> Actor:
    """The acting party of every console action: the user, in their role, at their outlet,
    through their role's channel; a bank clerk acts for the outlet's bank."""
    outlet = member.outlet
    bank = outlet.bank if member.role == Role.BANK_CLERK else None
    return Actor(
        kind="staff",
        id=member.user.get_username(),
        role=member.role,
        channel=ROLE_CHANNELS.get(member.role, Channel.SYSTEM),
        outlet_code=outlet.code,
        bank_code=bank.code if bank is not None else None,
    )


def admin_actor(user: AbstractBaseUser | AnonymousUser) -> Actor:
    """Who acts in the Django admin: a bound system administrator as in the console; a
    superuser (made on the command line, bound to no outlet) by user name."""
    member = member_of(user)
    if member is not None:
        return actor_for(member)
    return Actor(kind="staff", id=user.get_username(), role=Role.ADMIN, channel=Channel.SYSTEM)


def may_manage_user(manager: AbstractBaseUser | AnonymousUser, user: Any) -> bool:
    """A superuser's account is changed only by a superuser: otherwise an administrator could
    set its password and sign in as it."""
    return bool(getattr(manager, "is_superuser", False)) or not user.is_superuser


def sees_every_outlet(member: StaffMember) -> bool:
    return member.user.has_perm("staff.view_all_lists")


def applications_for(member: StaffMember) -> QuerySet[CardApplication]:
    """The applications a member sees: a supervisor every one, a bank clerk the bank's, anyone
    else those taken at their own outlet."""
    rows = applications()
    if sees_every_outlet(member):
        return rows
    if member.role == Role.BANK_CLERK:
        bank_id = member.outlet.bank_id
        return of_own_bank(rows, bank_id) if bank_id is not None else rows.none()
    return rows.filter(outlet_id=member.outlet_id)


# A member opens an application's page from the lists or from the person's page.
_OPENS_APPLICATIONS = ("view_outlet_lists", "view_all_lists", "find_person")


def may_open_applications(member: StaffMember) -> bool:
    """Whether a member's role opens applications' pages at all (which ones:
    `may_see_application`)."""
    return any(member.user.has_perm(f"staff.{p}") for p in _OPENS_APPLICATIONS)


def may_see_application(member: StaffMember, app: CardApplication) -> bool:
    """A counter serves whoever comes to it, so a window clerk sees any application of the
    person in front of them; a bank sees only its own bank's; a community committee only the
    intakes it took."""
    if sees_every_outlet(member) or member.role == Role.WINDOW_CLERK:
        return True
    if member.role == Role.BANK_CLERK:
        bank_id = member.outlet.bank_id
        return bank_id is not None and is_own_bank_id(bank_id, app.bank_id)
    return app.outlet_id == member.outlet_id


def loss_reports_for(member: StaffMember) -> QuerySet[LossReport]:
    rows = LossReport.objects.select_related("card", "card__person", "outlet").order_by(
        "-effective_at", "-pk"
    )
    if sees_every_outlet(member):
        return rows
    if member.role == Role.HOTLINE_AGENT:
        return rows.filter(channel=Channel.HOTLINE)
    return rows.filter(Q(outlet_id=member.outlet_id))
