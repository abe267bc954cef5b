"""Lifting a loss report when the card is found (DOMAIN.md section 4)."""

from __future__ import annotations

from django.db import transaction

from sscard.cards.holders import notify
from sscard.cards.models import BankStatus, CardStatus, LossReport, LossSides, LossStatus
from sscard.cards.permissions import LIFT, needs_documents
from sscard.cards.selectors import check_before_the_lock, check_under_the_lock
from sscard.cards.services.shared import (
    BLOCK_FIELDS,
    card_event,
    card_snapshot,
    check_counter_documents,
    clean_documents,
    clear_block,
    locked_card,
    report_event,
    report_snapshot,
    save_card,
)
from sscard.common import clock
from sscard.common.context import Actor
from sscard.notifications.services import emit_webhook
from sscard.outlets.models import Outlet
from sscard.people.models import Person


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
    has been applied for (the rules are the read model's)."""
    check_before_the_lock(
        report.card, actor, LIFT, outlet=outlet, person=lifter, relation=relation, report=report
    )
    docs = clean_documents(documents)
    if needs_documents(LIFT, actor.channel):
        check_counter_documents(
            subject=report.card.person, presenter=lifter, relation=relation, documents=docs
        )
    with transaction.atomic():
        card = locked_card(report.card)
        report = LossReport.objects.select_for_update().get(pk=report.pk)
        check_under_the_lock(card, actor, LIFT, report=report)
        before_report, before_card = report_snapshot(report), card_snapshot(card)
        report.status, report.ended_at = LossStatus.LIFTED, clock.now()
        report.end_reason = (reason or "card found")[:200]
        report.save(update_fields=["status", "ended_at", "end_reason"])
        if report.sides != LossSides.FINANCIAL:
            card.status = card.status_before_loss or CardStatus.NORMAL
        if report.froze_bank and card.bank_status == BankStatus.FROZEN:
            card.bank_status = BankStatus.NORMAL
        clear_block(card)
        card.status_before_loss = ""
        save_card(card, *BLOCK_FIELDS)
        report_event(actor, "loss_report.lifted", report, before_report)
        card_event(actor, "card.unblocked", card, before_card)
        emit_webhook(
            bank=card.bank,
            topic="card.unblocked",
            data={"card_number": card.number, "reference": report.reference, "reason": "lifted"},
            subject=card.person,
        )
        notify(
            subject=card.person,
            topic="loss_report_lifted",
            params={"card_number": card.number, "reference": report.reference},
        )
        report.card = card
        return report
