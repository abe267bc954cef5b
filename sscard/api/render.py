"""Models to API shapes. Personal data is masked unless the caller may see it (API.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Q

from sscard.applications.models import CardApplication
from sscard.cards.models import Card, LossReport
from sscard.cards.person_cards import cards_of
from sscard.cards.selectors import effective_of
from sscard.common.context import Actor
from sscard.common.money import Money
from sscard.partners.models import Bank
from sscard.partners.selectors import is_own_bank
from sscard.people.masking import mask_account, mask_email, mask_id_number, mask_name, mask_phone
from sscard.people.models import Person
from sscard.people.selectors import guardianships_of, wardships_of

if TYPE_CHECKING:
    from sscard.api.auth import Principal


T = TypeVar("T")


class Masker:
    """What the caller may see: personal data whole or masked, and, for a bank-bound caller,
    its own bank's cards and applications only (DOMAIN.md section 5)."""

    def __init__(self, unmasked: bool, viewer: Actor | None = None) -> None:
        self.unmasked = unmasked
        self.viewer = viewer

    def sees_bank(self, bank: Bank | None) -> bool:
        return self.viewer is None or is_own_bank(self.viewer, bank)

    def ssn(self, value: str) -> str:
        return value if self.unmasked else mask_id_number(value)

    def name(self, value: str) -> str:
        return value if self.unmasked else mask_name(value)

    def phone(self, value: str) -> str:
        return value if self.unmasked else mask_phone(value)

    def email(self, value: str) -> str:
        return value if self.unmasked else mask_email(value)

    def account(self, value: str) -> str:
        return value if self.unmasked else mask_account(value)

    def hidden(self, value: T) -> T | None:
        """What a masked ID number hides (the birth date, the sex), and a card's chip
        identification code: whole, or null."""
        return value if self.unmasked else None


def seen_by(principal: Principal) -> Masker:
    """The Masker of a caller: its scopes decide the personal data, its bank the cards."""
    return Masker(principal.sees_personal_data, principal.actor())


def person_ref(person: Person, mask: Masker, relation: str | None = None) -> dict[str, Any]:
    return {
        "social_security_number": mask.ssn(person.social_security_number),
        "name": mask.name(person.name),
        "relation": relation,
    }


def card_brief(card: Card) -> dict[str, Any]:
    state = effective_of(card)
    return {
        "card_number": card.number,
        "status": state.status,
        "usable": state.usable,
        "bank_status": state.bank_status,
        "bank_code": card.bank.code if card.bank else None,
        "issuing_region_code": card.issuing_region_code,
        "issued_on": card.issued_on,
        "expires_on": card.expires_on,
        "blocked_until": state.blocked_until,
        "generation": card.generation,
    }


def loss_report(report: LossReport, card: Card | None = None) -> dict[str, Any]:
    card = card or report.card
    state = effective_of(card)
    status = report.status
    if status == "effective" and report.expires_at is not None and state.lapsed:
        status = "lapsed"
    return {
        "reference": report.reference,
        "card_number": card.number,
        "kind": report.kind,
        "status": status,
        "channel": report.channel,
        "sides": report.sides,
        "effective_at": report.effective_at,
        "expires_at": report.expires_at,
        "renewals": report.renewals,
        "converted_at": report.converted_at,
        "ended_at": report.ended_at,
        "reissue_applied": report.reissue_applied_at is not None,
        "card_status": state.status,
        "bank_status": state.bank_status,
    }


def application(app: CardApplication, mask: Masker) -> dict[str, Any]:
    fee = Money(app.fee_amount).as_dict()
    return {
        "number": app.number,
        "type": app.type,
        "reason": app.reason or None,
        "status": app.status,
        "receipt_number": app.receipt_number,
        "fee": fee,
        "fee_waived": app.fee_waived,
        "fee_waiver": app.fee_waiver or None,
        # A holder who moved banks: the new bank is not shown the old bank's card.
        "old_card_number": (
            app.old_card.number if app.old_card and mask.sees_bank(app.old_card.bank) else None
        ),
        "new_card_number": app.new_card.number if app.new_card else None,
        "outlet_code": app.outlet.code,
        "bank_code": app.bank.code if app.bank else None,
        "production": app.production,
        "delivery": app.delivery,
        "collection_outlet_code": (
            app.collection_outlet.code
            if app.collection_outlet_id and app.collection_outlet
            else None
        ),
        "tracking_number": app.tracking_number or None,
        "expected_ready_on": app.expected_ready_on,
        "collect_by": app.collect_by,
        "holder": person_ref(app.person, mask),
        "created_at": app.created_at,
        "timeline": [
            {
                "status": e.status,
                "at": e.at,
                "channel": e.channel,
                "outlet_code": e.outlet_code,
                "note": e.note,
            }
            for e in app.events.order_by("at", "pk")
        ],
    }


def applications_of_card(card: Card) -> list[CardApplication]:
    return list(
        CardApplication.objects.filter(person_id=card.person_id)
        .filter(Q(old_card=card) | Q(new_card=card))
        .select_related("person", "outlet", "bank", "old_card", "new_card", "collection_outlet")
        .order_by("created_at", "pk")
    )


def card_full(card: Card, mask: Masker) -> dict[str, Any]:
    reports = card.loss_reports.order_by("effective_at", "pk")
    return {
        **card_brief(card),
        "identification_code": mask.hidden(card.identification_code),
        "holder": person_ref(card.person, mask),
        "bank_name": card.bank.name if card.bank else None,
        "account_number": mask.account(card.account_number) if card.account_number else None,
        "loss_reports": [loss_report(r, card) for r in reports],
        "applications": [
            application(a, mask) for a in applications_of_card(card) if mask.sees_bank(a.bank)
        ],
    }


def person_full(person: Person, mask: Masker) -> dict[str, Any]:
    guardians = guardianships_of(person)
    wards = wardships_of(person)
    cards = cards_of(person, related=("bank",))
    return {
        "social_security_number": mask.ssn(person.social_security_number),
        "name": mask.name(person.name),
        "sex": mask.hidden(person.sex),
        "birth_date": mask.hidden(person.birth_date),
        "region_code": person.region_code,
        "phone": mask.phone(person.phone),
        "email": mask.email(person.email),
        "language": person.language,
        "guardians": [person_ref(g.guardian, mask, g.relation) for g in guardians],
        "wards": [person_ref(w.ward, mask, w.relation) for w in wards],
        "cards": [card_brief(c) for c in cards if mask.sees_bank(c.bank)],
    }
