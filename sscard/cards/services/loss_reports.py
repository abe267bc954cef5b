"""Reporting a card lost: a new report blocks the card at once and is passed to the bank; a
report on a card that already has one renews it, converts it to formal, or extends it to the
other side (DOMAIN.md section 4). What may be reported, where and by whom is the read model's
(`sscard.cards.permissions`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from sscard.cards.holders import notify, policy_for_card
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
from sscard.cards.permissions import (
    CONVERTED,
    CREATED,
    RENEWED,
    freezes_bank,
    lapse_on_card,
    needs_documents,
    report_action,
    report_sides,
)
from sscard.cards.selectors import check_before_the_lock, check_under_the_lock
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
    save_card,
)
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import FieldError, ValidationError
from sscard.common.models import next_value
from sscard.notifications.services import emit_webhook
from sscard.outlets.models import Outlet
from sscard.people.models import Person
from sscard.policy.models import RegionalPolicy
from sscard.policy.selectors import temporary_report_expiry


@dataclass(frozen=True)
class LossOutcome:
    report: LossReport
    card: Card
    created: bool
    action: str  # "created", "renewed", "converted" or "extended"


def _new_reference() -> str:
    return f"LR{clock.today():%y%m%d}{next_value('loss_report'):06d}"


def _lost_status(kind: str) -> str:
    return CardStatus.TEMPORARILY_LOST if kind == LossKind.TEMPORARY else CardStatus.FORMALLY_LOST


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
    action = report_action(kind)
    check_before_the_lock(card, actor, action, outlet=outlet, person=reporter, relation=relation)
    docs = clean_documents(documents)
    if needs_documents(action, actor.channel):
        check_counter_documents(
            subject=card.person, presenter=reporter, relation=relation, documents=docs
        )
    policy = policy_for_card(card)
    with transaction.atomic():
        card = locked_card(card)
        current = locked_report(card)
        step = check_under_the_lock(card, actor, action).report_outcome(kind)
        if current is None:
            return _new_report(
                actor=actor,
                card=card,
                kind=kind,
                reporter=reporter,
                relation=relation,
                docs=docs,
                outlet=outlet,
                policy=policy,
            )
        return _update_report(
            actor=actor,
            card=card,
            report=current,
            step=step,
            needed=report_sides(policy, actor.channel),
            documents=docs,
            outlet=outlet if kind == LossKind.FORMAL else None,
            policy=policy,
            now=clock.now(),
        )


def _new_report(
    *,
    actor: Actor,
    card: Card,
    kind: str,
    reporter: Person,
    relation: str,
    docs: list[str],
    outlet: Outlet | None,
    policy: RegionalPolicy,
) -> LossOutcome:
    now = clock.now()
    sides = report_sides(policy, actor.channel)
    freezes = freezes_bank(sides, card.bank_status)
    report = LossReport(
        reference=_new_reference(),
        card=card,
        kind=kind,
        status=LossStatus.EFFECTIVE,
        channel=actor.channel,
        sides=sides,
        froze_bank=freezes,
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
    if sides != LossSides.FINANCIAL:
        card.status_before_loss, card.status = card.status, _lost_status(kind)
    if freezes:
        card.bank_status = BankStatus.FROZEN
    if kind == LossKind.TEMPORARY:
        card.lost_until = report.expires_at
        card.lapse_action = lapse_on_card(policy.on_temporary_lapse, sides)
        card.lapse_unfreezes_bank = freezes
    save_card(card, *BLOCK_FIELDS)
    report_event(actor, "loss_report.created", report, {})
    card_event(actor, "card.blocked", card, before)
    _tell_blocked(card, report)
    return LossOutcome(report, card, True, CREATED)


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
        subject=card.person,
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
        card.status_before_loss, card.status = card.status, _lost_status(report.kind)
    return True


def _update_report(
    *,
    actor: Actor,
    card: Card,
    report: LossReport,
    step: str,
    needed: str,
    documents: list[str],
    outlet: Outlet | None,
    policy: RegionalPolicy,
    now: dt.datetime,
) -> LossOutcome:
    """A report on a card that already has one: renew, convert to formal, or extend its sides
    (`step`, as the read model says). A formal report records the outlet it was made at."""
    before_report, before_card = report_snapshot(report), card_snapshot(card)
    _widen(card, report, needed)
    if step == RENEWED:
        report.expires_at = temporary_report_expiry(policy, now)
        report.renewals += 1
        report.reminder_sent_at = None
    elif step == CONVERTED:
        report.kind, report.converted_at, report.expires_at = LossKind.FORMAL, now, None
        report.lapse_action = ""
        if report.sides != LossSides.FINANCIAL:
            card.status = CardStatus.FORMALLY_LOST
    report.documents = sorted(set(report.documents) | set(documents))
    if outlet is not None:
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
        card.lapse_action = lapse_on_card(report.lapse_action, report.sides)
        card.lapse_unfreezes_bank = report.froze_bank
    else:
        clear_block(card)
    save_card(card, *BLOCK_FIELDS)
    report_event(actor, f"loss_report.{step}", report, before_report)
    if card_snapshot(card) != before_card:
        card_event(actor, "card.blocked", card, before_card)
    _tell_blocked(card, report)
    return LossOutcome(report, card, False, step)
