"""Staff bindings, role groups, the PIN pad, and the console's own audited acts."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.db import transaction

from sscard.applications.models import CardApplication
from sscard.audit.services import ChainReport, record_change, record_event, snapshot, verify_chain
from sscard.cards.models import Card
from sscard.cards.permissions import ACTIVATE, RESET_PIN
from sscard.cards.selectors import card_actions
from sscard.cards.services import activate_card, check_counter_documents, clean_documents, reset_pin
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import Conflict, DomainError, FieldError, NotFound, ValidationError
from sscard.outlets.models import Outlet
from sscard.people.models import Person
from sscard.staff.models import PinPadOutcome, PinPadPurpose, PinPadRequest, StaffMember
from sscard.staff.roles import (
    ADMIN_MODELS,
    ROLE_OUTLET_TYPES,
    ROLE_PERMISSIONS,
    STAFF_ROLES,
)
from sscard.staff.selectors import actor_for

PIN_PAD_SECONDS = 300


# ---------------------------------------------------------------- roles and bindings


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
    if role not in STAFF_ROLES:
        raise ValidationError(
            "Unknown staff role.",
            code="invalid_role",
            errors=[FieldError("role", "must be one of: " + ", ".join(STAFF_ROLES))],
        )
    if outlet.type not in ROLE_OUTLET_TYPES[role]:
        allowed = ", ".join(sorted(ROLE_OUTLET_TYPES[role]))
        raise ValidationError(
            f"A {role.replace('_', ' ')} works at an outlet of type {allowed}, "
            f"not at {outlet.code} ({outlet.type}).",
            code="role_outlet_mismatch",
            errors=[FieldError("outlet", f"must be of type {allowed}")],
        )
    if not outlet.active:
        raise ValidationError(
            f"Outlet {outlet.code} is closed.",
            code="outlet_inactive",
            errors=[FieldError("outlet", "is not active")],
        )


def check_not_self(actor: Actor, user: Any) -> None:
    """Nobody gives themselves a role or an outlet: another administrator does."""
    if actor.kind == "staff" and actor.id == user.get_username():
        raise ValidationError(
            "You cannot change your own role or outlet: ask another system administrator.",
            code="own_binding",
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
        raise NotFound(f"No outlet {outlet_code}.", code="outlet_not_found")
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


# ---------------------------------------------------------------- the PIN pad


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_pin_pad(
    *,
    member: StaffMember,
    purpose: str,
    card: Card,
    presenter: Person,
    relation: str,
    documents: list[str],
) -> tuple[PinPadRequest, str]:
    """Prepare an activation or a PIN reset whose PIN the holder types on the PIN pad.

    What the card's read model refuses, and the documents, are checked now, before the pad is
    handed over; the card's own service checks everything again when the PIN comes. Returns the
    request and the pad's one-time token.
    """
    if purpose not in PinPadPurpose.values:
        raise ValidationError("Unknown PIN pad purpose.", errors=[FieldError("purpose", "")])
    action = ACTIVATE if purpose == PinPadPurpose.ACTIVATE else RESET_PIN
    card_actions(
        card,
        actor_for(member),
        outlet=member.outlet,
        person=presenter,
        relation=relation,
        actions=(action,),
    ).check(action)
    docs = clean_documents(documents)
    check_counter_documents(
        subject=card.person, presenter=presenter, relation=relation, documents=docs
    )
    now = clock.now()
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        PinPadRequest.objects.filter(member=member, outcome=PinPadOutcome.PENDING).update(
            outcome=PinPadOutcome.CANCELLED, finished_at=now
        )
        pad = PinPadRequest.objects.create(
            token_hash=_token_hash(token),
            member=member,
            purpose=purpose,
            card=card,
            presenter=presenter,
            relation=relation,
            documents=docs,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=PIN_PAD_SECONDS),
        )
    return pad, token


def pin_pad(*, member: StaffMember, token: str) -> PinPadRequest:
    """A member's own PIN pad request; another user's token reads as missing."""
    pad = (
        PinPadRequest.objects.select_related("card", "card__person", "presenter", "member")
        .filter(token_hash=_token_hash(token), member=member)
        .first()
    )
    if pad is None:
        raise NotFound("No such PIN pad request.", code="pin_pad_not_found")
    return pad


def pin_pad_open(pad: PinPadRequest) -> bool:
    return pad.outcome == PinPadOutcome.PENDING and pad.expires_at > clock.now()


def _finish(pad: PinPadRequest, outcome: str, failure: DomainError | None = None) -> None:
    fields: dict[str, Any] = {"outcome": outcome, "finished_at": clock.now()}
    if failure is not None:
        fields.update(refusal_code=failure.code, refusal_detail=failure.detail[:300])
    # Only a pending request finishes: a double submit cannot overwrite the first outcome.
    PinPadRequest.objects.filter(pk=pad.pk, outcome=PinPadOutcome.PENDING).update(**fields)
    pad.refresh_from_db()


RETRYABLE = frozenset({"weak_pin", "invalid_pin", "pins_differ"})


def enter_pin(*, pad: PinPadRequest, pin: str, pin_again: str) -> PinPadRequest:
    """The holder's PIN, typed twice on the pad, goes to the card's service. A weak or mistyped
    PIN leaves the pad open for another try; any other refusal closes it."""
    if not pin_pad_open(pad):
        raise Conflict("This PIN pad is closed; the clerk opens a new one.", code="pin_pad_closed")
    if pin != pin_again:
        raise ValidationError(
            "The two PINs differ.",
            code="pins_differ",
            errors=[FieldError("pin_again", "does not match the first PIN")],
        )
    member = pad.member
    member = StaffMember.objects.select_related("user", "outlet", "outlet__bank").get(pk=member.pk)
    actor = actor_for(member)
    service = activate_card if pad.purpose == PinPadPurpose.ACTIVATE else _reset
    try:
        service(
            actor=actor,
            card=pad.card,
            pin=pin,
            documents=list(pad.documents),
            presenter=pad.presenter,
            relation=pad.relation,
            outlet=member.outlet,
        )
    except DomainError as refused:
        if refused.code not in RETRYABLE:
            _finish(pad, PinPadOutcome.REFUSED, refused)
        raise
    _finish(pad, PinPadOutcome.DONE)
    return pad


def _reset(*, pin: str, **kwargs: Any) -> Card:
    return reset_pin(new_pin=pin, **kwargs)


def cancel_pin_pad(*, pad: PinPadRequest) -> PinPadRequest:
    _finish(pad, PinPadOutcome.CANCELLED)
    return pad


# ---------------------------------------------------------------- audited console acts


def record_export(*, actor: Actor, list_name: str, rows: int, filters: dict[str, str]) -> None:
    """A list leaving the console as a file is recorded (masked data, but many rows)."""
    with transaction.atomic():
        record_event(
            actor=actor,
            action="list.exported",
            object_type="list",
            object_id=list_name,
            before={},
            after={"rows": rows, "filters": filters},
        )


def record_receipt_print(*, actor: Actor, application: CardApplication) -> None:
    """A printed receipt is a document handed to a person: who printed which, and when."""
    with transaction.atomic():
        record_event(
            actor=actor,
            action="receipt.printed",
            object_type="card_application",
            object_id=application.number,
            before={},
            after={"receipt_number": application.receipt_number},
        )


def verify_audit_chain(*, actor: Actor) -> ChainReport:
    """Walk the chain, then record who verified it and what was found."""
    report = verify_chain()
    with transaction.atomic():
        record_event(
            actor=actor,
            action="audit.chain_verified",
            object_type="audit",
            object_id="chain",
            before={},
            after={"ok": report.ok, "checked": report.checked, "broken_at": report.broken_at},
        )
    return report
