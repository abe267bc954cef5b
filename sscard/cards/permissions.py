"""What an actor may do with a card now, and why not (see `sscard.common.permissions`).

The card services check their action here before anything else; the console asks which
actions to offer on a person's page and refuses a page for an action it would not offer.
"""

from __future__ import annotations

from sscard.cards.models import Card
from sscard.common.context import Actor
from sscard.common.errors import DomainError
from sscard.common.permissions import Permissions, RuleBook
from sscard.partners.selectors import bank_refusal

CARD_ACTIONS: tuple[str, ...] = (
    "report_loss",
    "lift_loss_report",
    "activate_card",
    "verify_pin",
    "reset_pin",
)


def own_bank(actor: Actor, card: Card, action: str) -> DomainError | None:
    """DOMAIN.md section 5: a bank moves only its own bank's cards."""
    if actor.bank_code is None:
        return None
    return bank_refusal(actor, card.bank, subject="card")


CARD_RULES: RuleBook[Card] = RuleBook(actions=CARD_ACTIONS, rules=(own_bank,))


def card_permissions(actor: Actor, card: Card) -> Permissions:
    return CARD_RULES.judge(actor, card)


def check_card_action(actor: Actor, card: Card, action: str) -> None:
    """Raise the refusal of `action` on `card` for `actor`, if any."""
    CARD_RULES.check(actor, card, action)
