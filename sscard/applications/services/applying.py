"""Applying at a counter (DOMAIN.md section 5, steps 1-2): the documents checked, the terms the
rules give the application (the card it replaces, the bank, the fee and its waiver) settled
under the person's lock, and the Receipt for Reissuing issued at once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from sscard.applications.models import (
    ApplicationStatus,
    ApplicationType,
    CardApplication,
    Delivery,
    Production,
)
from sscard.applications.permissions import APPLY_FOR_CARD, check_applying
from sscard.applications.receipts import make_receipt_number
from sscard.applications.services.steps import (
    another_open,
    application_snapshot,
    new_application,
    record_step,
    refuse,
    save,
)
from sscard.applications.terms import (
    application_policy,
    card_to_replace,
    fee_terms,
    refuse_first,
    request_refusals,
    terms_refusal,
)
from sscard.cards.holders import notify
from sscard.cards.models import Card, CardStatus, LossKind, LossReport, LossStatus
from sscard.cards.person_cards import cards_of
from sscard.cards.selectors import effective_of
from sscard.cards.services import (
    check_counter_documents,
    clean_documents,
    mark_reissue_applied,
    settle_card,
)
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import Conflict, ErrorCode, FieldError, ValidationError
from sscard.common.locking import lock_one
from sscard.common.models import next_value
from sscard.notifications.services import emit_webhook
from sscard.outlets.models import Outlet
from sscard.partners.models import Bank
from sscard.people.models import Person
from sscard.policy.models import RegionalPolicy

S = ApplicationStatus


@dataclass(frozen=True)
class Terms:
    """What the rules give an application: its old card, bank, fee and waiver."""

    old_card: Card | None
    bank: Bank | None
    fee: Decimal
    fee_waiver: str
    policy: RegionalPolicy


def _check_type(type: str, person: Person, old: Card | None, policy: RegionalPolicy) -> None:
    """A first card for one who never had a card in use; a reissue for a card lost (reported
    formally where the policy asks it) or cancelled; a replacement for a card in hand."""
    old_state = effective_of(old).status if old is not None else None
    if type == ApplicationType.NEW:
        # None in hand or in the making, and none ever activated (a card that failed in
        # production or was never collected does not count).
        cards = cards_of(person)
        if (
            cards.exclude(status__in=[CardStatus.CANCELLED, CardStatus.EXPIRED]).exists()
            or cards.exclude(pin_hash="").exists()
        ):
            raise Conflict(
                "This person already has a card; apply for a reissue or a replacement instead.",
                code=ErrorCode.CARD_EXISTS,
            )
    elif type == ApplicationType.REISSUE:
        if old is None:
            raise Conflict(
                "This person has no card to reissue; apply for a new card.", code=ErrorCode.NO_CARD
            )
        if old_state != CardStatus.CANCELLED:
            report = LossReport.objects.filter(card=old, status=LossStatus.EFFECTIVE).first()
            formal = report is not None and report.kind == LossKind.FORMAL
            if report is None or (policy.formal_report_required and not formal):
                raise Conflict(
                    "A reissue after loss needs a formal (written) loss report on the card first.",
                    code=ErrorCode.FORMAL_LOSS_REPORT_REQUIRED,
                )
    elif old is None or old_state not in (
        CardStatus.NORMAL,
        CardStatus.PIN_LOCKED,
        CardStatus.EXPIRED,
    ):
        raise Conflict(
            "Only a card in hand (normal, PIN locked or expired) is replaced; a lost card is "
            "reissued.",
            code=ErrorCode.CARD_NOT_REPLACEABLE,
        )


def settle_terms(
    *,
    actor: Actor,
    type: str,
    reason: str,
    person: Person,
    outlet: Outlet,
    bank: Bank | None,
    fee_waiver: str,
) -> Terms:
    """The rules of DOMAIN.md section 5, checked against the current cards, and the bank's
    terms against the card found (`terms_refusal`). Inside the lock."""
    old = card_to_replace(person)
    if old is not None:
        old = settle_card(lock_one(Card, old.pk))
    policy = application_policy(old_card=old, outlet=outlet)
    _check_type(type, person, old, policy)
    if type == ApplicationType.NEW:
        old = None
    fee, waiver = fee_terms(policy, type=type, reason=reason, fee_waiver=fee_waiver)
    chosen_bank = bank or (old.bank if old is not None else None)
    if chosen_bank is None:
        raise ValidationError(
            "Choose the co-operating bank that will make the card.",
            code=ErrorCode.BANK_REQUIRED,
            errors=[FieldError("bank_code", "is required")],
        )
    refuse(terms_refusal(actor, old_card=old, bank=chosen_bank))
    return Terms(old, chosen_bank, fee, waiver, policy)


def _tell_receipt(app: CardApplication) -> None:
    emit_webhook(
        bank=app.bank,
        topic="application.receipt_issued",
        data={
            "number": app.number,
            "receipt_number": app.receipt_number,
            "type": app.type,
            # A holder moving banks: the new bank is not told the old bank's card.
            "old_card_number": (
                app.old_card.number
                if app.old_card and app.old_card.bank_id == app.bank_id
                else None
            ),
        },
        subject=app.person,
    )
    notify(
        subject=app.person,
        topic="receipt_issued",
        params={
            "number": app.number,
            "receipt_number": app.receipt_number,
            "bank": app.bank.name if app.bank else "",
        },
    )


def issue_receipt(actor: Actor, app: CardApplication, terms: Terms) -> None:
    """The documents are checked: the receipt is issued, the bank and the holder told, and a
    reissue holds the old card's loss report (it can no longer be lifted)."""
    before = application_snapshot(app)
    if app.type == ApplicationType.REISSUE and terms.old_card is not None:
        mark_reissue_applied(actor=actor, card=terms.old_card)
    app.status = S.RECEIPT_ISSUED
    app.receipt_number = make_receipt_number(f"{clock.today():%y%m%d}", next_value("receipt"))
    _tell_receipt(app)
    save(app, "status", "receipt_number")
    record_step(actor, app, before)


def check_counter_request(
    *,
    type: str,
    reason: str,
    production: str,
    delivery: str,
    mail_address: str,
    fee_waiver: str,
    outlet: Outlet,
    person: Person,
    applicant: Person,
    relation: str,
    documents: list[str] | None,
) -> list[str]:
    """What a counter checks before the lock, for an application made there or an intake it
    completes: the request's choices, then the original documents on the desk. Returns the
    documents, cleaned."""
    refuse_first(
        request_refusals(
            type=type,
            reason=reason,
            production=production,
            delivery=delivery,
            mail_address=mail_address,
            fee_waiver=fee_waiver,
            outlet=outlet,
        )
    )
    docs = clean_documents(documents)
    check_counter_documents(subject=person, presenter=applicant, relation=relation, documents=docs)
    return docs


def put_terms(
    app: CardApplication,
    terms: Terms,
    *,
    documents: list[str],
    outlet: Outlet,
    production: str,
    delivery: str,
    mail_address: str,
) -> None:
    """Write on an application what the counter took and the rules settled (not saved)."""
    app.documents, app.outlet, app.bank = documents, outlet, terms.bank
    app.production, app.delivery, app.mail_address = production, delivery, mail_address
    app.fee_amount, app.fee_waived, app.fee_waiver = (
        terms.fee,
        bool(terms.fee_waiver),
        terms.fee_waiver,
    )
    app.old_card = terms.old_card


def apply_for_card(
    *,
    actor: Actor,
    type: str,
    person: Person,
    applicant: Person,
    relation: str,
    documents: list[str] | None,
    outlet: Outlet,
    bank: Bank | None = None,
    production: str = Production.BATCH,
    delivery: str = Delivery.PICKUP,
    mail_address: str = "",
    fee_waiver: str = "",
    reason: str = "",
) -> CardApplication:
    """Apply at a counter: the documents are checked and the receipt issued at once."""
    check_applying(
        actor,
        person,
        APPLY_FOR_CARD,
        outlet=outlet,
        type=type,
        bank=bank,
        production=production,
        upto="where",
    )
    docs = check_counter_request(
        type=type,
        reason=reason,
        production=production,
        delivery=delivery,
        mail_address=mail_address,
        fee_waiver=fee_waiver,
        outlet=outlet,
        person=person,
        applicant=applicant,
        relation=relation,
        documents=documents,
    )
    try:
        with transaction.atomic():
            lock_one(Person, person.pk)
            check_applying(
                actor,
                person,
                APPLY_FOR_CARD,
                outlet=outlet,
                type=type,
                bank=bank,
                production=production,
            )
            terms = settle_terms(
                actor=actor,
                type=type,
                reason=reason,
                person=person,
                outlet=outlet,
                bank=bank,
                fee_waiver=fee_waiver,
            )
            app = new_application(
                actor,
                type=type,
                reason=reason,
                person=person,
                applicant=applicant,
                relation=relation,
                outlet=outlet,
            )
            put_terms(
                app,
                terms,
                documents=docs,
                outlet=outlet,
                production=production,
                delivery=delivery,
                mail_address=mail_address.strip(),
            )
            app.save(force_insert=True)
            record_step(actor, app, {})
            issue_receipt(actor, app, terms)
            return app
    except IntegrityError:
        raise another_open() from None
