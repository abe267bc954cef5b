"""What an actor may do with a card application now, and why not (see
`sscard.common.permissions`), and whether an actor may make one for a person.

The application services check here before anything else; the console asks which actions to
offer and refuses a page for an action it would not offer.
"""

from __future__ import annotations

from sscard.applications.models import ApplicationType, CardApplication
from sscard.applications.selectors import card_to_replace
from sscard.cards.models import Card
from sscard.common.context import Actor
from sscard.common.errors import DomainError
from sscard.common.permissions import Permissions, RuleBook
from sscard.partners.models import Bank
from sscard.partners.selectors import bank_refusal
from sscard.people.models import Person

APPLICATION_ACTIONS: tuple[str, ...] = (
    "complete_intake",
    "record_production_event",
    "issue_instantly",
    "hand_over_card",
    "cancel_application",
)


def own_bank(actor: Actor, app: CardApplication, action: str) -> DomainError | None:
    """DOMAIN.md section 5: a bank moves only its own bank's applications. An intake has no
    bank yet: completing it is judged on its terms (`terms_refusal`)."""
    if actor.bank_code is None:
        return None
    if app.bank_id is None and action == "complete_intake":
        return None
    return bank_refusal(actor, app.bank, subject="application")


APPLICATION_RULES: RuleBook[CardApplication] = RuleBook(
    actions=APPLICATION_ACTIONS, rules=(own_bank,)
)


def application_permissions(actor: Actor, app: CardApplication) -> Permissions:
    return APPLICATION_RULES.judge(actor, app)


def check_application_action(actor: Actor, app: CardApplication, action: str) -> None:
    """Raise the refusal of `action` on `app` for `actor`, if any."""
    APPLICATION_RULES.check(actor, app, action)


def terms_refusal(actor: Actor, *, old_card: Card | None, bank: Bank | None) -> DomainError | None:
    """A bank reissues or replaces only a card of its own bank (the bank that holds the card's
    account makes the new one) and names no other bank; a move to another bank is recorded at a
    window, whose actor is bound to no bank."""
    if actor.bank_code is None:
        return None
    if old_card is not None:
        refusal = bank_refusal(actor, old_card.bank, subject="old_card")
        if refusal is not None:
            return refusal
    if bank is not None:
        return bank_refusal(actor, bank, subject="bank")
    return None


def apply_refusal(
    actor: Actor, *, person: Person, type: str | None = None, bank: Bank | None = None
) -> DomainError | None:
    """Whether `actor` may apply for a card for `person`: the terms above, read before the
    application is made. Without a `type`, for any application but a first card (what a counter
    offers a holder who has a card)."""
    if actor.bank_code is None:
        return None
    old = None if type == ApplicationType.NEW else card_to_replace(person)
    return terms_refusal(actor, old_card=old, bank=bank)
