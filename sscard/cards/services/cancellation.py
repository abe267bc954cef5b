"""The end of a card: cancellation, and the hold a reissue puts on the old card's loss report.
Called by the application services inside their own transaction, with the card locked."""

from __future__ import annotations

from sscard.cards.models import (
    BankStatus,
    Card,
    CardStatus,
    LossKind,
    LossReport,
    LossSides,
    LossStatus,
)
from sscard.cards.services.shared import (
    BLOCK_FIELDS,
    card_event,
    card_snapshot,
    clear_block,
    locked_report,
    report_event,
    report_snapshot,
    save_card,
)
from sscard.common import clock
from sscard.common.context import Actor
from sscard.notifications.services import emit_webhook


def mark_reissue_applied(*, actor: Actor, card: Card) -> LossReport | None:
    """From a reissue application on, the card's report can no longer be lifted or lapse.

    Called inside the application's transaction with the card locked. A temporary report is
    taken as formal: the application itself is made at a counter with original documents.
    """
    report = locked_report(card)
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
        clear_block(card)
        save_card(card, "status", "lost_until", "lapse_action", "lapse_unfreezes_bank")
        card_event(actor, "card.blocked", card, before_card)
    report.save(update_fields=fields)
    report_event(actor, "loss_report.reissue_applied", report, before_report)
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
    report_event(actor, "loss_report.reissue_withdrawn", report, before)


def cancel_card(*, actor: Actor, card: Card, reason: str) -> Card:
    """Cancel a card for good. The card must be locked; its effective report is closed."""
    if card.status == CardStatus.CANCELLED:
        return card
    before = card_snapshot(card)
    report = locked_report(card)
    if report is not None:
        before_report = report_snapshot(report)
        report.status, report.ended_at, report.end_reason = (
            LossStatus.CLOSED,
            clock.now(),
            reason[:200],
        )
        report.save(update_fields=["status", "ended_at", "end_reason"])
        report_event(actor, "loss_report.closed", report, before_report)
    card.status = CardStatus.CANCELLED
    if card.bank_status in (BankStatus.NORMAL, BankStatus.FROZEN):
        card.bank_status = BankStatus.CLOSED
    clear_block(card)
    card.status_before_loss = ""
    save_card(card, *BLOCK_FIELDS)
    card_event(actor, "card.cancelled", card, before)
    emit_webhook(
        bank=card.bank,
        topic="card.cancelled",
        data={"card_number": card.number, "reason": reason},
        subject=card.person,
    )
    return card
