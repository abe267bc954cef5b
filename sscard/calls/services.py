"""Acts on a call to the voice menu. The menu's steps are the voice interface's; here is what
they change: the keys recorded, the identity check (the cards' caller check, by keypad), the
temporary loss report made at the final confirm, the transfer to an agent, the hang-up.

A call that has ended takes no more keys and makes no report: a caller who hangs up at any
step leaves nothing half-done, because nothing but the keys is written before the confirm,
and the report is made in one transaction with the call's own row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from sscard.audit.services import record_event
from sscard.calls.models import Call, Identity, TransferReason
from sscard.cards.caller_identity import check_caller_by_keypad
from sscard.cards.models import LossKind, ReporterRelation
from sscard.cards.person_cards import card_in_hand
from sscard.cards.services import report_loss
from sscard.cards.services.loss_reports import LossOutcome
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import Conflict, ErrorCode, Forbidden, NotFound, check_one_of
from sscard.people.models import Person

# What the menu records of the keys pressed, besides its step and count of failed tries.
KEYED_FIELDS = frozenset({"language", "service", "id_number", "id_confirmed"})


def caller_actor(call: Call) -> Actor:
    """Who acts in the menu: the person once their identity check passed (a citizen through
    the hotline), else the caller known only by the call's reference."""
    if call.identity == Identity.PASSED and call.person_id is not None:
        return Actor.citizen(call.person_id, Channel.HOTLINE)
    return Actor(
        kind="caller", id=f"call:{call.reference}", role=Role.CITIZEN, channel=Channel.HOTLINE
    )


def answer_call(*, sid: str) -> Call:
    """The call the platform rings the menu with: new, or the one already answered."""
    call = Call.objects.filter(sid=sid).first()
    if call is not None:
        return call
    with transaction.atomic():
        call, _ = Call.objects.get_or_create(sid=sid, defaults={"started_at": clock.now()})
    return call


def _locked_running(call: Call) -> Call:
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.ended:
        raise Conflict("The call has ended.", code=ErrorCode.CALL_ENDED)
    return locked


def record_step(call: Call, *, step: str, tries: int = 0, **keyed: Any) -> Call:
    """Record the menu's next step, its failed tries so far, and what the caller keyed in.

    Keying in a new ID number forgets the confirmation and the check of the one before.
    """
    unknown = set(keyed) - KEYED_FIELDS
    if unknown:
        raise ValueError(f"not a keyed field: {sorted(unknown)}")
    with transaction.atomic():
        call = _locked_running(call)
        if "id_number" in keyed and keyed["id_number"] != call.id_number:
            call.id_confirmed = False
            call.identity, call.identity_checked_at, call.person = Identity.NOT_CHECKED, None, None
        for name, value in keyed.items():
            setattr(call, name, value)
        call.step, call.tries = step, tries
        call.save()
    return call


def check_caller(call: Call, *, phone_last4: str) -> bool:
    """The caller's identity, checked by keypad on the ID number they keyed in and confirmed:
    it passes only if the number is a person's and the last four digits of the mobile number
    on record match. A number that is no one's fails exactly like a wrong answer, so the menu
    tells no one whether a number is in the register.

    Refused with `identity_checks_exhausted` after three failed checks of the person in half an
    hour (the same budget as the agent's check).
    """
    if not call.id_confirmed:
        raise Forbidden("The ID number was not confirmed.", code=ErrorCode.IDENTITY_NOT_CHECKED)
    person = Person.objects.filter(social_security_number=call.id_number).first()
    passed = person is not None and check_caller_by_keypad(
        actor=caller_actor(call), person=person, phone_last4=phone_last4
    )
    with transaction.atomic():
        locked = _locked_running(call)
        locked.identity = Identity.PASSED if passed else Identity.FAILED
        locked.identity_checked_at = clock.now()
        locked.person = person if passed else None
        locked.save(update_fields=["identity", "identity_checked_at", "person"])
    call.refresh_from_db()
    return passed


def checked_person(call: Call) -> Person:
    """The caller whose identity the menu checked."""
    if call.identity != Identity.PASSED or call.person is None:
        raise Forbidden(
            "The caller's identity has not been checked.", code=ErrorCode.IDENTITY_NOT_CHECKED
        )
    return call.person


def report_loss_by_menu(call: Call, *, at_step: str) -> LossOutcome:
    """The final confirm: a temporary loss report of the card in the checked caller's hand,
    through the hotline, made by the cards' own service (its rules, its audit events, its
    notices to the holder and the bank), in one transaction with the call's row.

    Made only while the call is still at the confirm (`at_step`): the same confirm sent twice
    at once reports once.
    """
    person = checked_person(call)
    card = card_in_hand(person)
    if card is None:
        raise NotFound("The caller has no card.", code=ErrorCode.NO_CARD)
    with transaction.atomic():
        locked = _locked_running(call)
        if locked.step != at_step:
            raise Conflict("The call has moved on from the confirm.")
        outcome = report_loss(
            actor=caller_actor(locked),
            card=card,
            kind=LossKind.TEMPORARY,
            reporter=person,
            relation=ReporterRelation.SELF,
        )
        locked.loss_report = outcome.report
        locked.step = "reported"
        locked.save(update_fields=["loss_report", "step"])
    call.refresh_from_db()
    return outcome


def transfer_call(call: Call, *, reason: str) -> Call:
    """Hand the call to an agent with its reference; audited (the reason and whether the
    identity check passed, never what was keyed in)."""
    check_one_of(
        reason, TransferReason.values, field="reason", detail="Unknown reason for a transfer."
    )
    with transaction.atomic():
        locked = _locked_running(call)
        locked.transfer_reason, locked.transferred_at = reason, clock.now()
        locked.step = "transferred"
        locked.save(update_fields=["transfer_reason", "transferred_at", "step"])
        record_event(
            actor=caller_actor(locked),
            action="call.transferred",
            object_type="call",
            object_id=locked.reference,
            before={},
            after={
                "reason": reason,
                "service": locked.service,
                "identity": locked.identity,
            },
        )
    return locked


def end_call(*, sid: str) -> Call | None:
    """The platform says the call is over (the caller hung up, or the agent did): from now on
    the call takes no keys and makes no report. Ending twice changes nothing."""
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(sid=sid).first()
        if call is None or call.ended:
            return call
        call.ended_at = clock.now()
        call.save(update_fields=["ended_at"])
    return call


# A call still open after a day lost its hang-up on the way: it is ended. The ID number keyed
# in is kept for the agent who takes the call and for questions after it, then forgotten.
CALL_LEFT_OPEN = dt.timedelta(days=1)
KEYED_NUMBERS_KEPT = dt.timedelta(days=30)


def close_and_forget_calls() -> int:
    """End the calls whose hang-up never came, and forget the ID numbers keyed in long ago
    (the sweep calls this); how many calls it changed."""
    now = clock.now()
    ended = Call.objects.filter(ended_at__isnull=True, started_at__lt=now - CALL_LEFT_OPEN).update(
        ended_at=now
    )
    forgotten = (
        Call.objects.filter(started_at__lt=now - KEYED_NUMBERS_KEPT)
        .exclude(id_number="")
        .update(id_number="")
    )
    return ended + forgotten
