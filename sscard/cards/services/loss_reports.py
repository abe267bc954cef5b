"""Reporting a card lost: a new report blocks the card at once and is passed to the bank; a
report on a card that already has one renews it, converts it to formal, or extends it to the
other side (DOMAIN.md section 4)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

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
from sscard.cards.selectors import REPORTABLE, effective_of
from sscard.cards.services.shared import (
    BLOCK_FIELDS,
    card_event,
    card_snapshot,
    check_counter_documents,
    clean_documents,
    clear_block,
    locked_card,
    locked_report,
    report_event,
    report_snapshot,
    require_channel,
    require_outlet_service,
    save_card,
)
from sscard.common import clock
from sscard.common.context import COUNTER_CHANNELS, Actor, Channel
from sscard.common.errors import Conflict, FieldError, ValidationError
from sscard.common.models import next_value
from sscard.notifications.services import emit_webhook, notify
from sscard.outlets.models import Outlet, Service
from sscard.people.models import Person
from sscard.people.selectors import check_acting_party
from sscard.policy.models import LapseAction, RegionalPolicy
from sscard.policy.selectors import policy_for_region, temporary_report_expiry


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
        card = locked_card(card)
        now = clock.now()
        current = locked_report(card)
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
        save_card(card, *BLOCK_FIELDS)
        report_event(actor, "loss_report.created", report, {})
        card_event(actor, "card.blocked", card, before)
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
        clear_block(card)
    save_card(card, *BLOCK_FIELDS)
    report_event(actor, f"loss_report.{action}", report, before_report)
    if card_snapshot(card) != before_card:
        card_event(actor, "card.blocked", card, before_card)
    _tell_blocked(card, report)
    return LossOutcome(report, card, False, action)
