"""What every write on a card shares: the card's lock (with a lapse that is due written first),
the snapshots and audit events of cards and loss reports, and the documents on the desk."""

from __future__ import annotations

from typing import Any

from sscard.audit.services import record_event
from sscard.cards.holders import check_acting_party, notify
from sscard.cards.models import Card, CardStatus, LossReport, LossStatus
from sscard.cards.permissions import channel_refusal, outlet_refusal
from sscard.cards.selectors import effective_of
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import ErrorCode, FieldError, ValidationError, documents_required
from sscard.common.locking import lock_one
from sscard.notifications.services import emit_webhook
from sscard.outlets.models import Outlet
from sscard.people.models import Person
from sscard.people.selectors import missing_documents

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
            code=ErrorCode.INVALID_DOCUMENTS,
            errors=[FieldError("documents", f"unknown code: {code}") for code in unknown],
        )
    return sorted(set(documents))


def require_channel(actor: Actor, allowed: frozenset[str], what: str) -> None:
    """Raise unless `actor` acts through one of the `allowed` channels."""
    refusal = channel_refusal(actor, allowed, what)
    if refusal is not None:
        raise refusal


def require_outlet_service(outlet: Outlet | None, service: str) -> None:
    """Raise unless `outlet` (if any) offers `service`."""
    refusal = outlet_refusal(outlet, service)
    if refusal is not None:
        raise refusal


def check_counter_documents(
    *, subject: Person, presenter: Person, relation: str, documents: list[str]
) -> None:
    guardian = check_acting_party(subject=subject, actor=presenter, relation=relation)
    missing = missing_documents(subject=subject, guardian=guardian, documents=documents)
    if missing:
        raise documents_required(
            missing, "Original documents are missing: " + ", ".join(missing) + "."
        )


def card_event(actor: Actor, action: str, card: Card, before: dict[str, Any]) -> None:
    record_event(
        actor=actor,
        action=action,
        object_type="card",
        object_id=card.number,
        bucket=card.bucket,
        before=before,
        after=card_snapshot(card),
    )


def report_event(actor: Actor, action: str, report: LossReport, before: dict[str, Any]) -> None:
    record_event(
        actor=actor,
        action=action,
        object_type="loss_report",
        object_id=report.reference,
        bucket=report.bucket,
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


def clear_block(card: Card) -> None:
    """Forget the lapse of a report that ended or became formal (no lapse any more)."""
    card.lost_until, card.lapse_action, card.lapse_unfreezes_bank = None, "", False


def save_card(card: Card, *fields: str) -> None:
    card.updated_at = clock.now()
    card.save(update_fields=[*fields, "updated_at"])


def locked_report(card: Card) -> LossReport | None:
    """The card's loss report in force, locked. The card must be locked first."""
    return (
        LossReport.objects.select_for_update()
        .filter(card=card, status=LossStatus.EFFECTIVE)
        .first()
    )


def settle_card(card: Card) -> Card:
    """Write the lapse of a temporary report that has run out. The card must be locked."""
    if card.lost_until is None or card.lost_until > clock.now():
        return card
    report = locked_report(card)
    state = effective_of(card)
    actor = Actor.system()
    before = card_snapshot(card)
    card.status, card.bank_status = state.status, state.bank_status
    clear_block(card)
    card.status_before_loss = ""
    save_card(card, *BLOCK_FIELDS)
    card_event(actor, "card.loss_report_lapsed", card, before)
    if report is not None:
        report_before = report_snapshot(report)
        report.status, report.ended_at = LossStatus.LAPSED, report.expires_at
        report.end_reason = "temporary report lapsed"
        report.save(update_fields=["status", "ended_at", "end_reason"])
        report_event(actor, "loss_report.lapsed", report, report_before)
    topic = "card.cancelled" if card.status == CardStatus.CANCELLED else "card.unblocked"
    emit_webhook(
        bank=card.bank,
        topic=topic,
        data={"card_number": card.number, "reason": "temporary_report_lapsed"},
        subject=card.person,
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


def locked_card(card: Card) -> Card:
    """Lock the card's row and write a lapse that is due, so no rule reads a stale block."""
    return settle_card(lock_one(Card, card.pk))
