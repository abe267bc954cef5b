"""Loss reports, lifting, activation and PINs: the writes on a card.

Every service locks the card first, settles a temporary report that has run out (so a lapse
never waits for the sweep), checks the rule, saves, and writes its audit events and outbox rows
in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from sscard.audit.services import record_event
from sscard.cards.holders import check_acting_party, notify
from sscard.cards.models import (
    BankStatus,
    Card,
    CardStatus,
    LossKind,
    LossReport,
    LossSides,
    LossStatus,
    ReporterRelation,
)
from sscard.cards.permissions import check_card_action
from sscard.cards.pins import check_pin_strength, hash_pin, pin_matches
from sscard.cards.selectors import REPORTABLE, effective_of
from sscard.common import clock
from sscard.common.context import COUNTER_CHANNELS, Actor, Channel
from sscard.common.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    ValidationError,
    documents_required,
)
from sscard.common.locking import lock_one
from sscard.common.models import next_value
from sscard.notifications.services import emit_webhook
from sscard.outlets.models import Outlet, Service
from sscard.people.models import Person
from sscard.people.selectors import missing_documents
from sscard.policy.models import LapseAction, RegionalPolicy
from sscard.policy.selectors import policy_for_region, temporary_report_expiry

KNOWN_DOCUMENTS = frozenset(
    {"id_card", "household_register", "guardian_id_card", "guardianship_proof", "receipt"}
)


def card_snapshot(card: Card) -> dict[str, Any]:
    return {
        "status": card.status,
        "bank_status": card.bank_status,
        "lost_until": card.lost_until,
        "wrong_pins": card.wrong_pins,
    }


def report_snapshot(report: LossReport) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "status": report.status,
        "sides": report.sides,
        "expires_at": report.expires_at,
        "reissue_applied": report.reissue_applied_at is not None,
    }


def clean_documents(documents: object) -> list[str]:
    if documents is None:
        return []
    if not isinstance(documents, list | tuple) or not all(isinstance(d, str) for d in documents):
        raise ValidationError(
            "Documents are a list of codes.",
            errors=[FieldError("documents", "must be a list of document codes")],
        )
    unknown = sorted(set(documents) - KNOWN_DOCUMENTS)
    if unknown:
        raise ValidationError(
            "Unknown document codes.",
            code="invalid_documents",
            errors=[FieldError("documents", f"unknown code: {code}") for code in unknown],
        )
    return sorted(set(documents))


def require_channel(actor: Actor, allowed: frozenset[str], what: str) -> None:
    if actor.channel not in allowed:
        names = ", ".join(sorted(allowed))
        raise ValidationError(
            f"{what} cannot be done through the {actor.channel} channel (only: {names}).",
            code="channel_not_allowed",
            errors=[FieldError("channel", f"must be one of: {names}")],
        )


def require_outlet_service(outlet: Outlet | None, service: str) -> None:
    if outlet is not None and not outlet.offers(service):
        raise Conflict(
            f"Outlet {outlet.code} does not offer {service.replace('_', ' ')}.",
            code="service_not_offered",
        )


def check_counter_documents(
    *, subject: Person, presenter: Person, relation: str, documents: list[str]
) -> None:
    guardian = check_acting_party(subject=subject, actor=presenter, relation=relation)
    missing = missing_documents(subject=subject, guardian=guardian, documents=documents)
    if missing:
        raise documents_required(
            missing, "Original documents are missing: " + ", ".join(missing) + "."
        )


def _card_event(actor: Actor, action: str, card: Card, before: dict[str, Any]) -> None:
    record_event(
        actor=actor,
        action=action,
        object_type="card",
        object_id=card.number,
        before=before,
        after=card_snapshot(card),
    )


def _report_event(actor: Actor, action: str, report: LossReport, before: dict[str, Any]) -> None:
    record_event(
        actor=actor,
        action=action,
        object_type="loss_report",
        object_id=report.reference,
        before=before,
        after=report_snapshot(report),
    )


# Everything a loss report changes on a card.
BLOCK_FIELDS = (
    "status",
    "bank_status",
    "lost_until",
    "lapse_action",
    "lapse_unfreezes_bank",
    "status_before_loss",
)


def _clear_block(card: Card) -> None:
    """Forget the lapse of a report that ended or became formal (no lapse any more)."""
    card.lost_until, card.lapse_action, card.lapse_unfreezes_bank = None, "", False


def _save_card(card: Card, *fields: str) -> None:
    card.updated_at = clock.now()
    card.save(update_fields=[*fields, "updated_at"])


# ---------------------------------------------------------------- settling lapses


def settle_card(card: Card) -> Card:
    """Write the lapse of a temporary report that has run out. The card must be locked."""
    if card.lost_until is None or card.lost_until > clock.now():
        return card
    report = (
        LossReport.objects.select_for_update()
        .filter(card=card, status=LossStatus.EFFECTIVE)
        .first()
    )
    state = effective_of(card)
    actor = Actor.system()
    before = card_snapshot(card)
    card.status, card.bank_status = state.status, state.bank_status
    _clear_block(card)
    card.status_before_loss = ""
    _save_card(card, *BLOCK_FIELDS)
    _card_event(actor, "card.loss_report_lapsed", card, before)
    if report is not None:
        report_before = report_snapshot(report)
        report.status, report.ended_at = LossStatus.LAPSED, report.expires_at
        report.end_reason = "temporary report lapsed"
        report.save(update_fields=["status", "ended_at", "end_reason"])
        _report_event(actor, "loss_report.lapsed", report, report_before)
    if card.status == CardStatus.CANCELLED:
        emit_webhook(
            bank=card.bank,
            topic="card.cancelled",
            data={"card_number": card.number, "reason": "temporary_report_lapsed"},
        )
    else:
        emit_webhook(
            bank=card.bank,
            topic="card.unblocked",
            data={"card_number": card.number, "reason": "temporary_report_lapsed"},
        )
    notify(
        subject=card.person,
        topic="temporary_report_lapsed",
        params={
            "card_number": card.number,
            "card_status": card.status,
            "reference": report.reference if report else "",
        },
    )
    return card


def _locked_card(card: Card) -> Card:
    locked = lock_one(Card, card.pk)
    return settle_card(locked)


# ---------------------------------------------------------------- loss reports


@dataclass(frozen=True)
class LossOutcome:
    report: LossReport
    card: Card
    created: bool
    action: str  # "created", "renewed" or "converted"


def _sides(policy: RegionalPolicy, channel: str) -> str:
    if policy.linked_loss_reporting:
        return LossSides.BOTH
    return LossSides.FINANCIAL if channel == Channel.BANK else LossSides.SOCIAL


def _new_reference() -> str:
    return f"LR{clock.today():%y%m%d}{next_value('loss_report'):06d}"


def report_loss(
    *,
    actor: Actor,
    card: Card,
    kind: str,
    reporter: Person,
    relation: str,
    documents: list[str] | None = None,
    outlet: Outlet | None = None,
) -> LossOutcome:
    """Report a card lost: block it at once, pass it to the bank, tell the holder.

    A temporary report on a temporarily lost card renews it; a formal one converts it.
    """
    check_card_action(actor, card, "report_loss")
    if kind not in LossKind.values:
        raise ValidationError(
            "Unknown kind of loss report.",
            errors=[FieldError("kind", "must be temporary or formal")],
        )
    if relation not in ReporterRelation.values:
        raise ValidationError(
            "Unknown reporter relation.",
            errors=[FieldError("reporter.relation", "must be self, guardian or agent")],
        )
    docs = clean_documents(documents)
    if kind == LossKind.FORMAL:
        require_channel(actor, COUNTER_CHANNELS, "A formal loss report")
        require_outlet_service(outlet, Service.FORMAL_LOSS_REPORT)
        check_counter_documents(
            subject=card.person, presenter=reporter, relation=relation, documents=docs
        )
    else:
        require_outlet_service(outlet, Service.TEMPORARY_LOSS_REPORT)
        check_acting_party(subject=card.person, actor=reporter, relation=relation)
    policy = policy_for_region(card.issuing_region_code)
    with transaction.atomic():
        card = _locked_card(card)
        now = clock.now()
        current = (
            LossReport.objects.select_for_update()
            .filter(card=card, status=LossStatus.EFFECTIVE)
            .first()
        )
        if current is not None:
            return _update_report(
                actor=actor,
                card=card,
                report=current,
                kind=kind,
                needed=_sides(policy, actor.channel),
                documents=docs,
                outlet=outlet,
                policy=policy,
                now=now,
            )
        if card.status not in REPORTABLE or effective_of(card).status == CardStatus.EXPIRED:
            raise Conflict(
                _not_reportable_reason(card),
                code="card_not_reportable",
                card_status=effective_of(card).status,
            )
        sides = _sides(policy, actor.channel)
        freezes_bank = sides != LossSides.SOCIAL and card.bank_status == BankStatus.NORMAL
        blocks_social = sides != LossSides.FINANCIAL
        report = LossReport(
            reference=_new_reference(),
            card=card,
            kind=kind,
            status=LossStatus.EFFECTIVE,
            channel=actor.channel,
            sides=sides,
            froze_bank=freezes_bank,
            reporter=reporter,
            reporter_relation=relation,
            documents=docs,
            outlet=outlet,
            effective_at=now,
        )
        if kind == LossKind.TEMPORARY:
            report.expires_at = temporary_report_expiry(policy, now)
            report.lapse_action = policy.on_temporary_lapse
        report.save(force_insert=True)
        before = card_snapshot(card)
        if blocks_social:
            card.status_before_loss = card.status
            card.status = (
                CardStatus.TEMPORARILY_LOST
                if kind == LossKind.TEMPORARY
                else CardStatus.FORMALLY_LOST
            )
        if freezes_bank:
            card.bank_status = BankStatus.FROZEN
        if kind == LossKind.TEMPORARY:
            card.lost_until = report.expires_at
            card.lapse_action = policy.on_temporary_lapse if blocks_social else LapseAction.RELEASE
            card.lapse_unfreezes_bank = freezes_bank
        _save_card(card, *BLOCK_FIELDS)
        _report_event(actor, "loss_report.created", report, {})
        _card_event(actor, "card.blocked", card, before)
        _tell_blocked(card, report)
        return LossOutcome(report, card, True, "created")


def _not_reportable_reason(card: Card) -> str:
    if card.status in (CardStatus.IN_PRODUCTION, CardStatus.AWAITING_COLLECTION):
        return "The card has not been collected yet; it cannot be reported lost."
    status = effective_of(card).status
    return f"A {status.replace('_', ' ')} card cannot be reported lost."


def _tell_blocked(card: Card, report: LossReport) -> None:
    emit_webhook(
        bank=card.bank,
        topic="card.blocked",
        data={
            "card_number": card.number,
            "kind": report.kind,
            "reference": report.reference,
            "sides": report.sides,
            "expires_at": report.expires_at.isoformat() if report.expires_at else None,
        },
    )
    notify(
        subject=card.person,
        topic="loss_report_effective",
        params={
            "card_number": card.number,
            "reference": report.reference,
            "kind": report.kind,
            "expires_at": report.expires_at.isoformat() if report.expires_at else None,
        },
    )


def _widen(card: Card, report: LossReport, needed: str) -> bool:
    """Under a separate (not linked) policy a report covers one side; a report through the other
    side's channel extends it to both."""
    have = report.sides
    if have in (LossSides.BOTH, needed):
        return False
    report.sides = LossSides.BOTH
    if have == LossSides.SOCIAL:
        if card.bank_status == BankStatus.NORMAL:
            card.bank_status, report.froze_bank = BankStatus.FROZEN, True
    else:
        card.status_before_loss = card.status
        card.status = (
            CardStatus.TEMPORARILY_LOST
            if report.kind == LossKind.TEMPORARY
            else CardStatus.FORMALLY_LOST
        )
    return True


def _update_report(
    *,
    actor: Actor,
    card: Card,
    report: LossReport,
    kind: str,
    needed: str,
    documents: list[str],
    outlet: Outlet | None,
    policy: RegionalPolicy,
    now: dt.datetime,
) -> LossOutcome:
    """A report on a card that already has one: renew, convert to formal, or extend its sides."""
    before_report, before_card = report_snapshot(report), card_snapshot(card)
    widened = _widen(card, report, needed)
    if report.kind == LossKind.TEMPORARY and kind == LossKind.TEMPORARY:
        action = "renewed"
        report.expires_at = temporary_report_expiry(policy, now)
        report.renewals += 1
        report.reminder_sent_at = None
    elif report.kind == LossKind.TEMPORARY:
        action = "converted"
        report.kind, report.converted_at, report.expires_at = LossKind.FORMAL, now, None
        report.lapse_action = ""
        if report.sides != LossSides.FINANCIAL:
            card.status = CardStatus.FORMALLY_LOST
    elif widened:
        action = "extended"
    else:
        raise Conflict(
            "The card is already formally reported lost.",
            code="card_not_reportable",
            card_status=effective_of(card).status,
        )
    report.documents = sorted(set(report.documents) | set(documents))
    if outlet is not None and kind == LossKind.FORMAL:
        report.outlet = outlet
    report.save(
        update_fields=[
            "kind",
            "converted_at",
            "expires_at",
            "lapse_action",
            "renewals",
            "reminder_sent_at",
            "documents",
            "outlet",
            "sides",
            "froze_bank",
        ]
    )
    if report.kind == LossKind.TEMPORARY:
        card.lost_until = report.expires_at
        card.lapse_action = (
            report.lapse_action if report.sides != LossSides.FINANCIAL else LapseAction.RELEASE
        )
        card.lapse_unfreezes_bank = report.froze_bank
    else:
        _clear_block(card)
    _save_card(card, *BLOCK_FIELDS)
    _report_event(actor, f"loss_report.{action}", report, before_report)
    if card_snapshot(card) != before_card:
        _card_event(actor, "card.blocked", card, before_card)
    _tell_blocked(card, report)
    return LossOutcome(report, card, False, action)


def lift_loss_report(
    *,
    actor: Actor,
    report: LossReport,
    lifter: Person,
    relation: str,
    documents: list[str] | None = None,
    reason: str = "",
    outlet: Outlet | None = None,
) -> LossReport:
    """Lift a report when the card is found: at a counter with the original ID, or online for a
    temporary report after strong identification (the interface's job). Refused once a reissue
    has been applied for."""
    check_card_action(actor, report.card, "lift_loss_report")
    docs = clean_documents(documents)
    if actor.channel in COUNTER_CHANNELS:
        require_outlet_service(outlet, Service.LIFT)
        check_counter_documents(
            subject=report.card.person, presenter=lifter, relation=relation, documents=docs
        )
    elif actor.channel in (Channel.WEB, Channel.APP):
        if report.kind != LossKind.TEMPORARY:
            raise ValidationError(
                "A formal report is lifted only at a window or bank outlet with the original ID.",
                code="channel_not_allowed",
                errors=[FieldError("channel", "must be window or bank for a formal report")],
            )
        check_acting_party(subject=report.card.person, actor=lifter, relation=relation)
    else:
        require_channel(
            actor,
            frozenset({Channel.WINDOW, Channel.BANK, Channel.WEB, Channel.APP}),
            "Lifting a loss report",
        )
    with transaction.atomic():
        card = _locked_card(report.card)
        report = LossReport.objects.select_for_update().get(pk=report.pk)
        if report.status != LossStatus.EFFECTIVE:
            raise Conflict(
                f"This loss report is {report.status}, not effective.",
                code="report_not_effective",
                report_status=report.status,
            )
        if report.reissue_applied_at is not None:
            raise Conflict(
                "A reissue has been applied for; the old card is on its way to cancellation.",
                code="reissue_in_progress",
            )
        before_report, before_card = report_snapshot(report), card_snapshot(card)
        report.status, report.ended_at = LossStatus.LIFTED, clock.now()
        report.end_reason = (reason or "card found")[:200]
        report.save(update_fields=["status", "ended_at", "end_reason"])
        if report.sides != LossSides.FINANCIAL:
            card.status = card.status_before_loss or CardStatus.NORMAL
        if report.froze_bank and card.bank_status == BankStatus.FROZEN:
            card.bank_status = BankStatus.NORMAL
        _clear_block(card)
        card.status_before_loss = ""
        _save_card(card, *BLOCK_FIELDS)
        _report_event(actor, "loss_report.lifted", report, before_report)
        _card_event(actor, "card.unblocked", card, before_card)
        emit_webhook(
            bank=card.bank,
            topic="card.unblocked",
            data={"card_number": card.number, "reference": report.reference, "reason": "lifted"},
        )
        notify(
            subject=card.person,
            topic="loss_report_lifted",
            params={"card_number": card.number, "reference": report.reference},
        )
        report.card = card
        return report


def mark_reissue_applied(*, actor: Actor, card: Card) -> LossReport | None:
    """From a reissue application on, the card's report can no longer be lifted or lapse.

    Called inside the application's transaction with the card locked. A temporary report is
    taken as formal: the application itself is made at a counter with original documents.
    """
    report = (
        LossReport.objects.select_for_update()
        .filter(card=card, status=LossStatus.EFFECTIVE)
        .first()
    )
    if report is None:
        return None
    before_report = report_snapshot(report)
    now = clock.now()
    report.reissue_applied_at = now
    fields = ["reissue_applied_at"]
    if report.kind == LossKind.TEMPORARY:
        report.kind, report.converted_at, report.expires_at, report.lapse_action = (
            LossKind.FORMAL,
            now,
            None,
            "",
        )
        fields += ["kind", "converted_at", "expires_at", "lapse_action"]
        before_card = card_snapshot(card)
        if report.sides != LossSides.FINANCIAL:
            card.status = CardStatus.FORMALLY_LOST
        _clear_block(card)
        _save_card(card, "status", "lost_until", "lapse_action", "lapse_unfreezes_bank")
        _card_event(actor, "card.blocked", card, before_card)
    report.save(update_fields=fields)
    _report_event(actor, "loss_report.reissue_applied", report, before_report)
    return report


def release_reissue_hold(*, actor: Actor, card: Card) -> None:
    """A reissue was cancelled before the old card was: its report may be lifted again."""
    report = (
        LossReport.objects.select_for_update()
        .filter(card=card, status=LossStatus.EFFECTIVE, reissue_applied_at__isnull=False)
        .first()
    )
    if report is None:
        return
    before = report_snapshot(report)
    report.reissue_applied_at = None
    report.save(update_fields=["reissue_applied_at"])
    _report_event(actor, "loss_report.reissue_withdrawn", report, before)


def cancel_card(*, actor: Actor, card: Card, reason: str) -> Card:
    """Cancel a card for good. The card must be locked; its effective report is closed."""
    if card.status == CardStatus.CANCELLED:
        return card
    before = card_snapshot(card)
    report = (
        LossReport.objects.select_for_update()
        .filter(card=card, status=LossStatus.EFFECTIVE)
        .first()
    )
    if report is not None:
        before_report = report_snapshot(report)
        report.status, report.ended_at, report.end_reason = (
            LossStatus.CLOSED,
            clock.now(),
            reason[:200],
        )
        report.save(update_fields=["status", "ended_at", "end_reason"])
        _report_event(actor, "loss_report.closed", report, before_report)
    card.status = CardStatus.CANCELLED
    if card.bank_status in (BankStatus.NORMAL, BankStatus.FROZEN):
        card.bank_status = BankStatus.CLOSED
    _clear_block(card)
    card.status_before_loss = ""
    _save_card(card, *BLOCK_FIELDS)
    _card_event(actor, "card.cancelled", card, before)
    emit_webhook(
        bank=card.bank, topic="card.cancelled", data={"card_number": card.number, "reason": reason}
    )
    return card


# ---------------------------------------------------------------- activation and PINs


def activate_card(
    *,
    actor: Actor,
    card: Card,
    pin: str,
    documents: list[str] | None = None,
    presenter: Person | None = None,
    relation: str = "self",
    outlet: Outlet | None = None,
) -> Card:
    """Activate a collected card and set its PIN, at a window or bank with the original ID."""
    check_card_action(actor, card, "activate_card")
    require_channel(actor, COUNTER_CHANNELS, "Activation")
    require_outlet_service(outlet, Service.ACTIVATION)
    docs = clean_documents(documents)
    check_counter_documents(
        subject=card.person, presenter=presenter or card.person, relation=relation, documents=docs
    )
    check_pin_strength(pin, social_security_number=card.person.social_security_number)
    pin_hash = hash_pin(pin)
    with transaction.atomic():
        card = _locked_card(card)
        if card.status in (CardStatus.IN_PRODUCTION, CardStatus.AWAITING_COLLECTION):
            raise Conflict(
                "The card has not been collected yet.",
                code="card_not_collected",
                card_status=card.status,
            )
        if card.status != CardStatus.SEALED or effective_of(card).status == CardStatus.EXPIRED:
            raise Conflict(
                f"The card is {card.status.replace('_', ' ')}; only a collected card "
                "can be activated.",
                code="card_not_activatable",
                card_status=card.status,
            )
        before = card_snapshot(card)
        card.status, card.pin_hash, card.wrong_pins = CardStatus.NORMAL, pin_hash, 0
        if card.account_number and card.bank_status == BankStatus.NOT_OPENED:
            card.bank_status = BankStatus.NORMAL
        _save_card(card, "status", "pin_hash", "wrong_pins", "bank_status")
        _card_event(actor, "card.activated", card, before)
        notify(subject=card.person, topic="activated", params={"card_number": card.number})
        return card


@dataclass(frozen=True)
class PinCheck:
    valid: bool
    attempts_left: int


def verify_pin(*, actor: Actor, card: Card, pin: str) -> PinCheck:
    """Check a PIN at a point of use. Wrong PINs count, and the count survives the refusal."""
    check_card_action(actor, card, "verify_pin")
    failure: DomainError | None = None
    with transaction.atomic():
        card = _locked_card(card)
        state = effective_of(card)
        if state.status == CardStatus.PIN_LOCKED:
            raise DomainError(
                "The PIN is locked; unlock it at a window or bank outlet.",
                code="pin_locked",
                status=423,
            )
        if state.status != CardStatus.NORMAL:
            raise Conflict(
                f"The card is {state.status.replace('_', ' ')}.",
                code="card_not_usable",
                card_status=state.status,
            )
        limit = policy_for_region(card.issuing_region_code).wrong_pins_before_lock
        if pin_matches(card.pin_hash, pin):
            if card.wrong_pins:
                before = card_snapshot(card)
                card.wrong_pins = 0
                _save_card(card, "wrong_pins")
                _card_event(actor, "card.pin_counter_reset", card, before)
            return PinCheck(True, limit)
        before = card_snapshot(card)
        card.wrong_pins += 1
        if card.wrong_pins >= limit:
            card.status = CardStatus.PIN_LOCKED
            _save_card(card, "wrong_pins", "status")
            _card_event(actor, "card.pin_locked", card, before)
            notify(subject=card.person, topic="pin_locked", params={"card_number": card.number})
            failure = DomainError(
                "Wrong PIN; the PIN is now locked.", code="pin_locked", status=423, attempts_left=0
            )
        else:
            _save_card(card, "wrong_pins")
            _card_event(actor, "card.pin_wrong", card, before)
            left = limit - card.wrong_pins
            failure = Forbidden(
                f"Wrong PIN; {left} attempts left.", code="wrong_pin", attempts_left=left
            )
    assert failure is not None
    raise failure


def reset_pin(
    *,
    actor: Actor,
    card: Card,
    new_pin: str,
    documents: list[str] | None = None,
    presenter: Person | None = None,
    relation: str = "self",
    outlet: Outlet | None = None,
) -> Card:
    """Set a new PIN and unlock, only at a window or bank with the original ID."""
    check_card_action(actor, card, "reset_pin")
    require_channel(actor, COUNTER_CHANNELS, "A PIN reset")
    require_outlet_service(outlet, Service.PIN_RESET)
    docs = clean_documents(documents)
    check_counter_documents(
        subject=card.person, presenter=presenter or card.person, relation=relation, documents=docs
    )
    check_pin_strength(new_pin, social_security_number=card.person.social_security_number)
    pin_hash = hash_pin(new_pin)
    with transaction.atomic():
        card = _locked_card(card)
        state = effective_of(card)
        if state.status not in (CardStatus.NORMAL, CardStatus.PIN_LOCKED):
            raise Conflict(
                f"The card is {state.status.replace('_', ' ')}; its PIN cannot be reset.",
                code="card_not_usable",
                card_status=state.status,
            )
        before = card_snapshot(card)
        card.status, card.pin_hash, card.wrong_pins = CardStatus.NORMAL, pin_hash, 0
        _save_card(card, "status", "pin_hash", "wrong_pins")
        _card_event(actor, "card.pin_reset", card, before)
        return card


# ---------------------------------------------------------------- sweeps


def lapse_due_reports(*, limit: int = 10_000) -> int:
    """Write the lapses of temporary reports that have run out."""
    due = list(
        Card.objects.filter(lost_until__lte=clock.now())
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        with transaction.atomic():
            settle_card(lock_one(Card, pk))
    return len(due)


def remind_lapsing_reports(*, within: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Tell holders a day ahead that their temporary report is about to lapse."""
    now = clock.now()
    due = list(
        LossReport.objects.filter(
            status=LossStatus.EFFECTIVE,
            kind=LossKind.TEMPORARY,
            expires_at__gt=now,
            expires_at__lte=now + within,
            reminder_sent_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            report = (
                LossReport.objects.select_for_update().select_related("card__person").get(pk=pk)
            )
            if report.reminder_sent_at is not None or report.status != LossStatus.EFFECTIVE:
                continue
            report.reminder_sent_at = now
            report.save(update_fields=["reminder_sent_at"])
            notify(
                subject=report.card.person,
                topic="temporary_report_lapsing",
                params={
                    "card_number": report.card.number,
                    "reference": report.reference,
                    "expires_at": report.expires_at.isoformat() if report.expires_at else None,
                },
            )
            sent += 1
    return sent


def expire_cards(*, limit: int = 10_000) -> int:
    """Write `expired` on cards past their expiry date."""
    due = list(
        Card.objects.filter(
            status__in=[CardStatus.NORMAL, CardStatus.SEALED, CardStatus.PIN_LOCKED],
            expires_on__lt=clock.today(),
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    actor = Actor.system()
    for pk in due:
        with transaction.atomic():
            card = lock_one(Card, pk)
            if card.expires_on is None or card.expires_on >= clock.today():
                continue
            before = card_snapshot(card)
            card.status = CardStatus.EXPIRED
            _save_card(card, "status")
            _card_event(actor, "card.expired", card, before)
    return len(due)
