"""Card applications: new card, reissue after loss, replacement; production and collection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from sscard.applications.models import (
    OPEN_STATUSES,
    ApplicationEvent,
    ApplicationStatus,
    ApplicationType,
    CardApplication,
    Delivery,
    FeeWaiver,
    Production,
    ReplacementReason,
)
from sscard.applications.permissions import (
    apply_refusal,
    check_application_action,
    terms_refusal,
)
from sscard.applications.receipts import make_receipt_number
from sscard.applications.selectors import card_to_replace, fee_terms
from sscard.audit.services import record_event
from sscard.cards.holders import check_acting_party, notify
from sscard.cards.models import BankStatus, Card, CardStatus, LossKind, LossReport
from sscard.cards.models import LossStatus as ReportStatus
from sscard.cards.numbers import card_number_for, new_account_number, new_identification_code
from sscard.cards.selectors import effective_of
from sscard.cards.services import (
    cancel_card,
    card_snapshot,
    check_counter_documents,
    clean_documents,
    mark_reissue_applied,
    release_reissue_hold,
    require_channel,
    require_outlet_service,
    settle_card,
)
from sscard.common import clock
from sscard.common.context import COUNTER_CHANNELS, Actor, Channel
from sscard.common.errors import Conflict, DomainError, FieldError, ValidationError
from sscard.common.locking import lock, lock_one
from sscard.common.models import next_value
from sscard.notifications.services import emit_webhook
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.partners.models import Bank
from sscard.people.models import Person
from sscard.policy.models import RegionalPolicy
from sscard.policy.selectors import add_working_days, policy_for_region

S = ApplicationStatus

# The status machine of API.md: event -> the statuses it may follow.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIPT_ISSUED: frozenset({S.SUBMITTED}),
    S.BANK_ACCEPTED: frozenset({S.RECEIPT_ISSUED}),
    S.IN_PRODUCTION: frozenset({S.BANK_ACCEPTED, S.PRODUCTION_FAILED}),
    S.PRODUCTION_FAILED: frozenset({S.IN_PRODUCTION}),
    S.READY_FOR_COLLECTION: frozenset({S.IN_PRODUCTION}),
    S.MAILED: frozenset({S.IN_PRODUCTION}),
    S.COLLECTED: frozenset({S.READY_FOR_COLLECTION, S.MAILED}),
    # A card waits for its holder at an outlet, or in the holder's hands after the post, until
    # the policy's period runs out.
    S.LAPSED: frozenset({S.READY_FOR_COLLECTION, S.MAILED}),
    S.CANCELLED: frozenset(
        {
            S.SUBMITTED,
            S.RECEIPT_ISSUED,
            S.BANK_ACCEPTED,
            S.IN_PRODUCTION,
            S.PRODUCTION_FAILED,
            S.READY_FOR_COLLECTION,
        }
    ),
}
BANK_EVENTS = frozenset(
    {
        S.BANK_ACCEPTED,
        S.IN_PRODUCTION,
        S.PRODUCTION_FAILED,
        S.READY_FOR_COLLECTION,
        S.MAILED,
        S.COLLECTED,
        S.CANCELLED,
    }
)
NOTIFIED_EVENTS: dict[str, str] = {
    S.BANK_ACCEPTED: "bank_accepted",
    S.PRODUCTION_FAILED: "production_failed",
    S.READY_FOR_COLLECTION: "ready_for_collection",
    S.MAILED: "mailed",
    S.COLLECTED: "collected",
}


def application_snapshot(app: CardApplication) -> dict[str, Any]:
    return {
        "status": app.status,
        "new_card": app.new_card.number if app.new_card_id and app.new_card else None,
    }


def _event(
    actor: Actor,
    app: CardApplication,
    before: dict[str, Any],
    note: str = "",
    outlet_code: str = "",
) -> None:
    ApplicationEvent.objects.create(
        application=app,
        status=app.status,
        at=clock.now(),
        channel=actor.channel,
        outlet_code=outlet_code or actor.outlet_code or "",
        note=note[:200],
    )
    record_event(
        actor=actor,
        action=f"application.{app.status}",
        object_type="card_application",
        object_id=app.number,
        before=before,
        after=application_snapshot(app),
    )


def _save(app: CardApplication, *fields: str) -> None:
    app.updated_at = clock.now()
    app.save(update_fields=[*fields, "updated_at"])


def _choice(value: str, choices: list[str], field: str) -> str:
    if value not in choices:
        raise ValidationError(
            f"Unknown {field}.",
            errors=[FieldError(field, "must be one of: " + ", ".join(choices))],
        )
    return value


@dataclass(frozen=True)
class Terms:
    """What the rules give an application: its old card, bank, fee and waiver."""

    old_card: Card | None
    bank: Bank | None
    fee: Decimal
    fee_waiver: str
    policy: RegionalPolicy


def _refuse(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def _terms(
    *,
    type: str,
    reason: str,
    person: Person,
    outlet: Outlet,
    bank: Bank | None,
    fee_waiver: str,
) -> Terms:
    """The rules of DOMAIN.md section 5, checked against the current cards. Inside the lock."""
    old = card_to_replace(person)
    if old is not None:
        old = settle_card(lock_one(Card, old.pk))
    old_state = effective_of(old).status if old is not None else None
    region = old.issuing_region_code if old is not None else outlet.region_code
    policy = policy_for_region(region)
    if type == ApplicationType.NEW:
        # A first card: none in hand or in the making, and none ever activated (a card that
        # failed in production or was never collected does not count).
        cards = Card.objects.filter(person=person)
        if (
            cards.exclude(status__in=[CardStatus.CANCELLED, CardStatus.EXPIRED]).exists()
            or cards.exclude(pin_hash="").exists()
        ):
            raise Conflict(
                "This person already has a card; apply for a reissue or a replacement instead.",
                code="card_exists",
            )
        old = None
    elif type == ApplicationType.REISSUE:
        if old is None:
            raise Conflict(
                "This person has no card to reissue; apply for a new card.", code="no_card"
            )
        if old_state != CardStatus.CANCELLED:
            report = LossReport.objects.filter(card=old, status=ReportStatus.EFFECTIVE).first()
            formal = report is not None and report.kind == LossKind.FORMAL
            if report is None or (policy.formal_report_required and not formal):
                raise Conflict(
                    "A reissue after loss needs a formal (written) loss report on the card first.",
                    code="formal_loss_report_required",
                )
    else:
        if old is None or old_state not in (
            CardStatus.NORMAL,
            CardStatus.PIN_LOCKED,
            CardStatus.EXPIRED,
        ):
            raise Conflict(
                "Only a card in hand (normal, PIN locked or expired) is replaced; a lost card is "
                "reissued.",
                code="card_not_replaceable",
            )
    fee, waiver = fee_terms(policy, type=type, reason=reason, fee_waiver=fee_waiver)
    chosen_bank = bank or (old.bank if old is not None else None)
    if chosen_bank is None:
        raise ValidationError(
            "Choose the co-operating bank that will make the card.",
            code="bank_required",
            errors=[FieldError("bank_code", "is required")],
        )
    return Terms(old, chosen_bank, fee, waiver, policy)


def _check_open(person: Person) -> None:
    open_app = CardApplication.objects.filter(
        person=person, status__in=[s.value for s in OPEN_STATUSES]
    ).first()
    if open_app is not None:
        raise Conflict(
            f"Application {open_app.number} is still open ({open_app.status}).",
            code="application_open",
            open_application=open_app.number,
        )


def _validate_request(
    *,
    type: str,
    reason: str,
    production: str,
    delivery: str,
    mail_address: str,
    fee_waiver: str,
    outlet: Outlet,
) -> None:
    _choice(type, ApplicationType.values, "type")
    if type == ApplicationType.REPLACEMENT:
        _choice(reason, ReplacementReason.values, "reason")
    elif reason:
        raise ValidationError(
            "A reason is given only for a replacement.",
            errors=[FieldError("reason", "only for type replacement")],
        )
    _choice(production, Production.values, "production")
    _choice(delivery, Delivery.values, "delivery")
    if fee_waiver:
        _choice(fee_waiver, FeeWaiver.values, "fee_waiver")
    if delivery == Delivery.MAIL and not mail_address.strip():
        raise ValidationError(
            "Mail delivery needs an address.",
            errors=[FieldError("mail_address", "is required for mail")],
        )
    if production == Production.INSTANT:
        if not outlet.offers(Service.INSTANT_ISSUANCE):
            raise Conflict(
                f"Outlet {outlet.code} cannot make cards on the spot.", code="service_not_offered"
            )
        if delivery != Delivery.PICKUP:
            raise ValidationError(
                "An instantly issued card is handed over on the spot.",
                errors=[FieldError("delivery", "must be pickup")],
            )


def _new_number() -> str:
    return f"CA{clock.today():%y%m%d}{next_value('card_application'):06d}"


def _issue_receipt(actor: Actor, app: CardApplication) -> None:
    app.receipt_number = make_receipt_number(f"{clock.today():%y%m%d}", next_value("receipt"))
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
    require_channel(actor, COUNTER_CHANNELS, "A card application")
    _refuse(apply_refusal(actor, person=person, type=type, bank=bank))
    require_outlet_service(outlet, Service.REISSUE)
    _validate_request(
        type=type,
        reason=reason,
        production=production,
        delivery=delivery,
        mail_address=mail_address,
        fee_waiver=fee_waiver,
        outlet=outlet,
    )
    docs = clean_documents(documents)
    check_counter_documents(subject=person, presenter=applicant, relation=relation, documents=docs)
    try:
        with transaction.atomic():
            lock_one(Person, person.pk)
            _check_open(person)
            terms = _terms(
                type=type,
                reason=reason,
                person=person,
                outlet=outlet,
                bank=bank,
                fee_waiver=fee_waiver,
            )
            _refuse(terms_refusal(actor, old_card=terms.old_card, bank=terms.bank))
            now = clock.now()
            app = CardApplication(
                number=_new_number(),
                type=type,
                reason=reason,
                person=person,
                applicant=applicant,
                applicant_relation=relation,
                documents=docs,
                channel=actor.channel,
                outlet=outlet,
                bank=terms.bank,
                production=production,
                delivery=delivery,
                mail_address=mail_address.strip(),
                fee_amount=terms.fee,
                fee_waived=bool(terms.fee_waiver),
                fee_waiver=terms.fee_waiver,
                status=S.SUBMITTED,
                old_card=terms.old_card,
                created_at=now,
                updated_at=now,
            )
            app.save(force_insert=True)
            _event(actor, app, {})
            _complete(actor, app, terms)
            return app
    except IntegrityError:
        # The index on open applications caught a race that the lock could not see.
        raise Conflict(
            "Another application for this person is already open.", code="application_open"
        ) from None


def _complete(actor: Actor, app: CardApplication, terms: Terms) -> None:
    before = application_snapshot(app)
    if app.type == ApplicationType.REISSUE and terms.old_card is not None:
        mark_reissue_applied(actor=actor, card=terms.old_card)
    app.status = S.RECEIPT_ISSUED
    _issue_receipt(actor, app)
    _save(app, "status", "receipt_number")
    _event(actor, app, before)


def record_intake(
    *,
    actor: Actor,
    type: str,
    person: Person,
    applicant: Person,
    relation: str,
    outlet: Outlet,
    reason: str = "",
    note: str = "",
) -> CardApplication:
    """A community committee's preliminary intake: the need and basic information only.

    It lands in the agency's queue as `submitted`; a window clerk completes it.
    """
    if outlet.type != OutletType.COMMUNITY_COMMITTEE and not outlet.offers(Service.INTAKE):
        raise Conflict(f"Outlet {outlet.code} does not take intakes.", code="service_not_offered")
    _choice(type, ApplicationType.values, "type")
    if type == ApplicationType.REPLACEMENT:
        _choice(reason, ReplacementReason.values, "reason")
    check_acting_party(subject=person, actor=applicant, relation=relation)
    try:
        with transaction.atomic():
            lock_one(Person, person.pk)
            _check_open(person)
            now = clock.now()
            app = CardApplication(
                number=_new_number(),
                type=type,
                reason=reason,
                person=person,
                applicant=applicant,
                applicant_relation=relation,
                documents=[],
                channel=actor.channel,
                outlet=outlet,
                production=Production.BATCH,
                delivery=Delivery.PICKUP,
                status=S.SUBMITTED,
                created_at=now,
                updated_at=now,
            )
            app.save(force_insert=True)
            _event(actor, app, {}, note=note or "preliminary intake")
            return app
    except IntegrityError:
        raise Conflict(
            "Another application for this person is already open.", code="application_open"
        ) from None


def complete_intake(
    *,
    actor: Actor,
    application: CardApplication,
    documents: list[str] | None,
    outlet: Outlet,
    bank: Bank | None = None,
    production: str = Production.BATCH,
    delivery: str = Delivery.PICKUP,
    mail_address: str = "",
    fee_waiver: str = "",
) -> CardApplication:
    """A window clerk checks the documents of an intake and issues the receipt."""
    check_application_action(actor, application, "complete_intake")
    require_channel(actor, COUNTER_CHANNELS, "Completing an intake")
    _refuse(apply_refusal(actor, person=application.person, type=application.type, bank=bank))
    require_outlet_service(outlet, Service.REISSUE)
    app = application
    _validate_request(
        type=app.type,
        reason=app.reason,
        production=production,
        delivery=delivery,
        mail_address=mail_address,
        fee_waiver=fee_waiver,
        outlet=outlet,
    )
    docs = clean_documents(documents)
    check_counter_documents(
        subject=app.person, presenter=app.applicant, relation=app.applicant_relation, documents=docs
    )
    with transaction.atomic():
        lock_one(Person, app.person_id)
        app = lock_one(CardApplication, app.pk)
        _require_transition(app, S.RECEIPT_ISSUED)
        terms = _terms(
            type=app.type,
            reason=app.reason,
            person=app.person,
            outlet=outlet,
            bank=bank,
            fee_waiver=fee_waiver,
        )
        _refuse(terms_refusal(actor, old_card=terms.old_card, bank=terms.bank))
        app.documents, app.outlet, app.bank = docs, outlet, terms.bank
        app.production, app.delivery, app.mail_address = production, delivery, mail_address
        app.fee_amount, app.fee_waived, app.fee_waiver = (
            terms.fee,
            bool(terms.fee_waiver),
            terms.fee_waiver,
        )
        app.old_card = terms.old_card
        _save(
            app,
            "documents",
            "outlet",
            "bank",
            "production",
            "delivery",
            "mail_address",
            "fee_amount",
            "fee_waived",
            "fee_waiver",
            "old_card",
        )
        _complete(actor, app, terms)
        return app


def _require_transition(app: CardApplication, target: str) -> None:
    if app.status not in TRANSITIONS[target]:
        raise Conflict(
            f"The application is {app.status}; it cannot become {target}.",
            code="invalid_transition",
            current_status=app.status,
        )


def _lock_application(app: CardApplication) -> tuple[CardApplication, dict[int, Card]]:
    """Lock the person, the cards the application touches, then the application."""
    lock_one(Person, app.person_id)
    fresh = CardApplication.objects.get(pk=app.pk)
    cards = lock(Card, [pk for pk in (fresh.old_card_id, fresh.new_card_id) if pk])
    return lock_one(CardApplication, app.pk), cards


def record_production_event(
    *,
    actor: Actor,
    application: CardApplication,
    type: str,
    outlet: Outlet | None = None,
    tracking_number: str = "",
    note: str = "",
) -> CardApplication:
    """A step reported by the bank: acceptance, production, failure, readiness, mailing,
    collection or cancellation. A bank-bound actor moves only its own bank's applications."""
    check_application_action(actor, application, "record_production_event")
    if type not in BANK_EVENTS:
        raise ValidationError(
            "Unknown production event.",
            errors=[FieldError("type", "must be one of: " + ", ".join(sorted(BANK_EVENTS)))],
        )
    if type == S.MAILED and not tracking_number.strip():
        raise ValidationError(
            "A mailed card needs its tracking number.",
            code="tracking_number_required",
            errors=[FieldError("tracking_number", "is required")],
        )
    if type == S.COLLECTED and outlet is not None:
        require_outlet_service(outlet, Service.COLLECTION)
    with transaction.atomic():
        app, cards = _lock_application(application)
        _require_transition(app, type)
        if type == S.MAILED and app.delivery != Delivery.MAIL:
            raise Conflict(
                "This card is to be picked up, not mailed.",
                code="invalid_transition",
                current_status=app.status,
            )
        if type == S.READY_FOR_COLLECTION and app.delivery == Delivery.MAIL:
            raise Conflict(
                "This card is to be mailed; record `mailed` with its tracking number.",
                code="invalid_transition",
                current_status=app.status,
            )
        _apply_event(
            actor, app, cards, type, outlet=outlet, tracking_number=tracking_number, note=note
        )
        return app


def hand_over_card(
    *,
    actor: Actor,
    application: CardApplication,
    outlet: Outlet,
    presenter: Person,
    relation: str,
    documents: list[str] | None,
) -> CardApplication:
    """The holder, or a guardian, collects the card with the original documents at the outlet
    where it waits (DOMAIN.md section 5, step 6): the card is then sealed until activated.

    A mailed card is in the holder's hands already: brought with the original documents to any
    counter that hands cards over, it is recorded received (collected) there, and can then be
    activated."""
    check_application_action(actor, application, "hand_over_card")
    require_channel(actor, COUNTER_CHANNELS, "Handing over a card")
    require_outlet_service(outlet, Service.COLLECTION)
    docs = clean_documents(documents)
    check_counter_documents(
        subject=application.person, presenter=presenter, relation=relation, documents=docs
    )
    if application.status not in (S.READY_FOR_COLLECTION, S.MAILED):
        raise Conflict(
            f"The application is {application.status}; only a card ready for collection, or "
            "mailed, is handed over or recorded received at a counter.",
            code="invalid_transition",
            current_status=application.status,
        )
    mailed = application.status == S.MAILED
    waits_at = None if mailed else application.collection_outlet
    if waits_at is not None and waits_at.pk != outlet.pk:
        raise Conflict(
            f"The card waits at outlet {waits_at.code}; it is handed over there.",
            code="card_elsewhere",
            collection_outlet=waits_at.code,
        )
    return record_production_event(
        actor=actor,
        application=application,
        type=S.COLLECTED,
        outlet=outlet,
        note="mailed card received at the counter" if mailed else "handed over at the counter",
    )


def _apply_event(
    actor: Actor,
    app: CardApplication,
    cards: dict[int, Card],
    type: str,
    *,
    outlet: Outlet | None,
    tracking_number: str = "",
    note: str = "",
) -> None:
    before = application_snapshot(app)
    old = cards.get(app.old_card_id) if app.old_card_id else None
    new = cards.get(app.new_card_id) if app.new_card_id else None
    today = clock.today()
    policy = policy_for_region(old.issuing_region_code if old else app.outlet.region_code)
    fields = ["status"]
    params: dict[str, Any] = {"number": app.number}
    if type == S.BANK_ACCEPTED:
        if app.type == ApplicationType.REISSUE and old is not None:
            cancel_card(actor=actor, card=old, reason="reissued after loss")
        app.expected_ready_on = (
            today
            if app.production == Production.INSTANT
            else add_working_days(today, policy.batch_production_working_days)
        )
        fields.append("expected_ready_on")
        params["expected_ready_on"] = app.expected_ready_on.isoformat()
    elif type == S.IN_PRODUCTION:
        app.new_card = _number_new_card(app, old, policy, today)
        fields.append("new_card")
        params["new_card_number"] = app.new_card.number
    elif type == S.PRODUCTION_FAILED:
        if new is not None:
            cancel_card(actor=actor, card=new, reason="production failed")
    elif type in (S.READY_FOR_COLLECTION, S.MAILED):
        assert new is not None
        _card_status(actor, new, CardStatus.AWAITING_COLLECTION, "card.made")
        # Collected at the outlet, or brought with the ID to a counter after the post, by then.
        app.collect_by = today + dt.timedelta(days=policy.uncollected_lapse_days)
        fields.append("collect_by")
        params["collect_by"] = app.collect_by.isoformat()
        if type == S.READY_FOR_COLLECTION:
            app.collection_outlet = outlet or app.collection_outlet or app.outlet
            fields.append("collection_outlet")
            params.update(
                outlet_code=app.collection_outlet.code,
                outlet_name=app.collection_outlet.name,
                address=app.collection_outlet.address,
            )
        else:
            app.tracking_number = tracking_number.strip()[:40]
            fields.append("tracking_number")
            params["tracking_number"] = app.tracking_number
    elif type == S.COLLECTED:
        assert new is not None
        if app.type == ApplicationType.REPLACEMENT and old is not None:
            cancel_card(actor=actor, card=old, reason=f"replaced ({app.reason})")
        _card_status(actor, new, CardStatus.SEALED, "card.collected")
    elif type == S.CANCELLED:
        if new is not None:
            cancel_card(actor=actor, card=new, reason="application cancelled")
        if old is not None and app.type == ApplicationType.REISSUE:
            release_reissue_hold(actor=actor, card=old)
        emit_webhook(
            bank=app.bank,
            topic="application.cancelled",
            data={"number": app.number, "receipt_number": app.receipt_number},
        )
    elif type == S.LAPSED and new is not None:
        cancel_card(actor=actor, card=new, reason="not collected in time: sealed off")
    app.status = type
    _save(app, *fields)
    _event(actor, app, before, note=note, outlet_code=outlet.code if outlet else "")
    topic = NOTIFIED_EVENTS.get(type)
    if topic:
        notify(subject=app.person, topic=topic, params=params)


def _card_status(actor: Actor, card: Card, status: str, action: str) -> None:
    before = card_snapshot(card)
    card.status = status
    card.updated_at = clock.now()
    card.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        action=action,
        object_type="card",
        object_id=card.number,
        before=before,
        after=card_snapshot(card),
    )


def _number_new_card(
    app: CardApplication, old: Card | None, policy: RegionalPolicy, today: dt.date
) -> Card:
    """sscard numbers the new card when production starts."""
    now = clock.now()
    # The account moves to the new card at the same bank; another bank opens a new one.
    keeps_account = old is not None and old.account_number and old.bank_id == app.bank_id
    account = old.account_number if old is not None and keeps_account else new_account_number()
    card = Card(
        number=card_number_for(next_value("card_number")),
        identification_code=new_identification_code(),
        person=app.person,
        issuing_region_code=app.outlet.region_code if old is None else old.issuing_region_code,
        issued_on=today,
        expires_on=_add_years(today, policy.card_validity_years),
        bank=app.bank,
        account_number=account,
        # A retry after a failed production makes the same generation again.
        generation=(old.generation + 1) if old is not None else 1,
        status=CardStatus.IN_PRODUCTION,
        bank_status=BankStatus.NOT_OPENED,
        created_at=now,
        updated_at=now,
    )
    card.save(force_insert=True)
    record_event(
        actor=Actor.system(),
        action="card.numbered",
        object_type="card",
        object_id=card.number,
        before={},
        after=card_snapshot(card),
    )
    return card


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def issue_instantly(
    *, actor: Actor, application: CardApplication, outlet: Outlet
) -> CardApplication:
    """Instant issuance at an equipped outlet: accepted, made and ready in one step."""
    check_application_action(actor, application, "issue_instantly")
    require_outlet_service(outlet, Service.INSTANT_ISSUANCE)
    if application.production != Production.INSTANT:
        raise Conflict(
            "This application is for batch production.",
            code="invalid_transition",
            current_status=application.status,
        )
    with transaction.atomic():
        app, cards = _lock_application(application)
        if app.status not in (S.RECEIPT_ISSUED, S.BANK_ACCEPTED, S.PRODUCTION_FAILED):
            raise Conflict(
                f"The application is {app.status}.",
                code="invalid_transition",
                current_status=app.status,
            )
        steps = [S.IN_PRODUCTION, S.READY_FOR_COLLECTION]
        if app.status == S.RECEIPT_ISSUED:
            steps.insert(0, S.BANK_ACCEPTED)
        for step in steps:
            _apply_event(actor, app, cards, step, outlet=outlet, note="instant issuance")
            if step == S.IN_PRODUCTION and app.new_card is not None:
                cards[app.new_card.pk] = app.new_card
        return app


WAITING = (S.READY_FOR_COLLECTION, S.MAILED)


def lapse_uncollected(*, limit: int = 10_000) -> int:
    """Applications whose card waited past the policy's period, at an outlet or, mailed, for
    its holder to bring it to a counter: the card is sealed off."""
    due = list(
        CardApplication.objects.filter(status__in=WAITING, collect_by__lt=clock.today())
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    actor = Actor.system()
    for pk in due:
        with transaction.atomic():
            app, cards = _lock_application(CardApplication.objects.get(pk=pk))
            if app.status not in WAITING or not app.collect_by or app.collect_by >= clock.today():
                continue
            note = (
                "mailed card not brought to a counter within the policy's period"
                if app.status == S.MAILED
                else "not collected within the policy's period"
            )
            _apply_event(actor, app, cards, S.LAPSED, outlet=None, note=note)
    return len(due)


def cancel_application(
    *, actor: Actor, application: CardApplication, note: str = ""
) -> CardApplication:
    """Withdraw an application at the applicant's request, at a counter."""
    check_application_action(actor, application, "cancel_application")
    require_channel(actor, COUNTER_CHANNELS | {Channel.SYSTEM}, "Cancelling an application")
    with transaction.atomic():
        app, cards = _lock_application(application)
        _require_transition(app, S.CANCELLED)
        _apply_event(actor, app, cards, S.CANCELLED, outlet=None, note=note)
        return app
