"""Banks as boundaries (DOMAIN.md section 5): a bank's staff and systems see and move only the
cards and applications of their own bank. An actor bound to no bank (a window, the hotline, a
citizen, the system) is not held by this rule."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from sscard.common.context import Actor
from sscard.common.errors import ErrorCode, Forbidden
from sscard.partners.models import Bank

M = TypeVar("M", bound=Model)

# What a bank refusal is about; the console words its refusal by it.
SUBJECTS: dict[str, str] = {
    "card": "This card belongs to another bank; a bank acts only on its own bank's cards.",
    "application": "This application belongs to another bank.",
    "old_card": (
        "The holder's card belongs to another bank: a reissue or replacement is made by the "
        "bank that holds the card's account. Moving to another bank is the holder's choice, "
        "recorded at a service window."
    ),
    "bank": "A bank applies for cards of its own bank only.",
}


def is_own_bank(actor: Actor, bank: Bank | None) -> bool:
    """Whether `bank` is the actor's own; always so for an actor bound to no bank."""
    return actor.bank_code is None or (bank is not None and bank.code == actor.bank_code)


def is_own_bank_id(own_bank_id: int | None, bank_id: int | None) -> bool:
    """`is_own_bank` by keys, for a party that knows the key of the bank it is bound to
    (`own_bank_id`; None: bound to no bank) and of the record's bank."""
    return own_bank_id is None or bank_id == own_bank_id


def of_own_bank(rows: QuerySet[M], own_bank_id: int | None) -> QuerySet[M]:
    """The `rows` (cards or applications) of the bank a party is bound to; every row for a
    party bound to no bank."""
    return rows if own_bank_id is None else rows.filter(bank_id=own_bank_id)


def bank_refusal(actor: Actor, bank: Bank | None, *, subject: str) -> Forbidden | None:
    """The refusal when a bank-bound actor reaches for another bank's `subject`, else None.

    The refusal names no card, application or bank: a caller that must not learn that the
    record exists (the API) answers as if it were missing before ever getting here.
    """
    if is_own_bank(actor, bank):
        return None
    return Forbidden(SUBJECTS[subject], code=ErrorCode.WRONG_BANK, subject=subject)


def banks_open_to(actor: Actor) -> QuerySet[Bank]:
    """The banks an actor may choose for a card: every bank at a window, one's own at a bank."""
    banks = Bank.objects.order_by("code")
    return banks if actor.bank_code is None else banks.filter(code=actor.bank_code)
