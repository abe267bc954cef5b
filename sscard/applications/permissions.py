"""What an actor may do with a card application now, and why not: the application's read model
(see `sscard.common.permissions`), and whether a new application may be made for a person.

Each rule of DOMAIN.md section 5 that decides whether an act applies now lives here once: the
status machine (`TRANSITIONS`), delivery (a mailed card is not made ready at an outlet), the
outlet an act is done at (one that offers it, the one where the card waits, the one that issued
the receipt), the channel, the bank boundary, and one open application per person. The services
check here before they act and again under their locks (the API's refusals are theirs); the
console asks here which buttons and steps to offer, and shows the same refusal.

The rules are tried in three stages, and the first refusal stands:
- who: the bank boundary (a bank moves only its own bank's applications), which also decides
  whether an act's page opens;
- where: the channel and the outlet an act is done through;
- now: what the application's state allows.
A service checks who and where before it reads its input, and all three once it holds its locks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sscard.applications.models import (
    ApplicationStatus,
    ApplicationType,
    CardApplication,
    Delivery,
    Production,
)
from sscard.applications.selectors import open_application
from sscard.applications.terms import apply_refusal
from sscard.cards.services import require_channel, require_outlet_service
from sscard.common.context import COUNTER_CHANNELS, Actor, Channel
from sscard.common.errors import Conflict, DomainError, ErrorCode, Forbidden
from sscard.common.permissions import Permissions, Rule, RuleBook
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.partners.models import Bank
from sscard.partners.selectors import bank_refusal
from sscard.people.models import Person

S = ApplicationStatus
Stage = Literal["who", "where", "now"]

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
# The events a bank (or a system for it) records, in the order of the machine.
BANK_EVENTS: tuple[str, ...] = (
    S.BANK_ACCEPTED,
    S.IN_PRODUCTION,
    S.PRODUCTION_FAILED,
    S.READY_FOR_COLLECTION,
    S.MAILED,
    S.COLLECTED,
    S.CANCELLED,
)
# A card made on the spot: accepted first if need be, then made and ready at once.
INSTANT_FROM = TRANSITIONS[S.BANK_ACCEPTED] | TRANSITIONS[S.IN_PRODUCTION]

COMPLETE_INTAKE = "complete_intake"
RECORD_PRODUCTION_EVENT = "record_production_event"  # any event: whose application it is
ISSUE_INSTANTLY = "issue_instantly"
HAND_OVER_CARD = "hand_over_card"
CANCEL_APPLICATION = "cancel_application"
PRINT_RECEIPT = "print_receipt"

# The acts whose pages an interface opens once it knows whose application it is.
ACCESS_ACTIONS: tuple[str, ...] = (
    COMPLETE_INTAKE,
    RECORD_PRODUCTION_EVENT,
    ISSUE_INSTANTLY,
    HAND_OVER_CARD,
    CANCEL_APPLICATION,
)
APPLICATION_ACTIONS: tuple[str, ...] = (*ACCESS_ACTIONS, PRINT_RECEIPT, *BANK_EVENTS)


@dataclass(frozen=True)
class Asked:
    """An application, where the act would be done, and (completing an intake) the bank chosen
    for the card."""

    application: CardApplication
    outlet: Outlet | None = None
    bank: Bank | None = None


def refusal_of(check: Callable[..., object], *args: Any) -> DomainError | None:
    """A check that raises, as a rule that answers."""
    try:
        check(*args)
    except DomainError as refusal:
        return refusal
    return None


def offered(outlet: Outlet | None, service: str) -> DomainError | None:
    """An act done at an outlet is done at one that offers it."""
    if outlet is None:
        return Conflict(
            f"This is done at an outlet that offers {service.replace('_', ' ')}.",
            code=ErrorCode.SERVICE_NOT_OFFERED,
        )
    return refusal_of(require_outlet_service, outlet, service)


# ---------------------------------------------------------------- who


def own_bank(actor: Actor, asked: Asked, action: str) -> DomainError | None:
    """DOMAIN.md section 5: a bank moves only its own bank's applications. An intake has no
    bank yet: completing it is judged on its terms (`intake_terms`)."""
    app = asked.application
    if actor.bank_code is None or (app.bank_id is None and action == COMPLETE_INTAKE):
        return None
    return bank_refusal(actor, app.bank, subject="application")


# ---------------------------------------------------------------- where

# The acts done only across a counter (or, a withdrawal, by the system), as a refusal names them.
COUNTER_ACTS: dict[str, tuple[frozenset[str], str]] = {
    COMPLETE_INTAKE: (COUNTER_CHANNELS, "Completing an intake"),
    HAND_OVER_CARD: (COUNTER_CHANNELS, "Handing over a card"),
    CANCEL_APPLICATION: (COUNTER_CHANNELS | {Channel.SYSTEM}, "Cancelling an application"),
}
# The service the outlet where an act is done must offer.
OUTLET_SERVICES: dict[str, str] = {
    COMPLETE_INTAKE: Service.REISSUE,
    HAND_OVER_CARD: Service.COLLECTION,
    ISSUE_INSTANTLY: Service.INSTANT_ISSUANCE,
}


def through_channel(actor: Actor, asked: Asked, action: str) -> DomainError | None:
    if action not in COUNTER_ACTS:
        return None
    channels, what = COUNTER_ACTS[action]
    return refusal_of(require_channel, actor, channels, what)


def intake_terms(actor: Actor, asked: Asked, action: str) -> DomainError | None:
    if action != COMPLETE_INTAKE:
        return None
    app = asked.application
    return apply_refusal(actor, person=app.person, type=app.type, bank=asked.bank)


def at_outlet(actor: Actor, asked: Asked, action: str) -> DomainError | None:
    if action in OUTLET_SERVICES:
        return offered(asked.outlet, OUTLET_SERVICES[action])
    if action == S.COLLECTED:
        # A bank may report a collection without naming the outlet.
        return refusal_of(require_outlet_service, asked.outlet, Service.COLLECTION)
    return None


# ---------------------------------------------------------------- now


def _cannot(app: CardApplication, detail: str) -> Conflict:
    return Conflict(detail, code=ErrorCode.INVALID_TRANSITION, current_status=app.status)


def made_instantly(actor: Actor, asked: Asked, action: str) -> DomainError | None:
    app = asked.application
    if action == ISSUE_INSTANTLY and app.production != Production.INSTANT:
        return _cannot(app, "This application is for batch production.")
    return None


# The event an act records, where the machine alone decides.
BECOMES: dict[str, str] = {
    **{event: event for event in BANK_EVENTS},
    COMPLETE_INTAKE: S.RECEIPT_ISSUED,
    CANCEL_APPLICATION: S.CANCELLED,
}


def status_allows(actor: Actor, asked: Asked, action: str) -> DomainError | None:
    app, status = asked.application, asked.application.status
    if action in BECOMES:
        target = BECOMES[action]
        if status not in TRANSITIONS[target]:
            return _cannot(app, f"The application is {status}; it cannot become {target}.")
    elif action == ISSUE_INSTANTLY and status not in INSTANT_FROM:
        return _cannot(app, f"The application is {status}.")
    elif action == HAND_OVER_CARD and status not in TRANSITIONS[S.COLLECTED]:
        return _cannot(
            app,
            f"The application is {status}; only a card ready for collection, or mailed, is "
            "handed over or recorded received at a counter.",
        )
    return None


def by_delivery(actor: Actor, asked: Asked, action: str) -> DomainError | None:
    """A card to be picked up is made ready at an outlet; a card to be mailed is mailed."""
    app = asked.application
    if action == S.MAILED and app.delivery != Delivery.MAIL:
        return _cannot(app, "This card is to be picked up, not mailed.")
    if action == S.READY_FOR_COLLECTION and app.delivery == Delivery.MAIL:
        return _cannot(app, "This card is to be mailed; record `mailed` with its tracking number.")
    return None


def where_it_waits(actor: Actor, asked: Asked, action: str) -> DomainError | None:
    """A card ready for collection is handed over at the outlet where it waits (DOMAIN.md
    section 5, step 6); a mailed card is in the holder's hands, and any counter that hands cards
    over records it received."""
    app = asked.application
    if action != HAND_OVER_CARD or app.status == S.MAILED or app.collection_outlet is None:
        return None
    waits_at = app.collection_outlet
    if asked.outlet is not None and asked.outlet.pk == waits_at.pk:
        return None
    return Conflict(
        f"The card waits at outlet {waits_at.code}; it is handed over there.",
        code=ErrorCode.CARD_ELSEWHERE,
        collection_outlet=waits_at.code,
    )


def receipt_here(actor: Actor, asked: Asked, action: str) -> DomainError | None:
    """A receipt is (re)printed by the outlet that issued it, once it is issued."""
    app = asked.application
    if action != PRINT_RECEIPT:
        return None
    if not app.receipt_number:
        return Conflict("This application has no receipt yet.", code=ErrorCode.NO_RECEIPT)
    if asked.outlet is None or asked.outlet.pk != app.outlet_id:
        return Forbidden(
            "A receipt is printed by the outlet that issued it.",
            code=ErrorCode.RECEIPT_ELSEWHERE,
            outlet=app.outlet.code,
        )
    return None


WHO: tuple[Rule[Asked], ...] = (own_bank,)
WHERE: tuple[Rule[Asked], ...] = (through_channel, intake_terms, at_outlet)
NOW: tuple[Rule[Asked], ...] = (
    made_instantly,
    status_allows,
    by_delivery,
    where_it_waits,
    receipt_here,
)
APPLICATION_RULES: dict[Stage, RuleBook[Asked]] = {
    "who": RuleBook(actions=APPLICATION_ACTIONS, rules=WHO),
    "where": RuleBook(actions=APPLICATION_ACTIONS, rules=WHO + WHERE),
    "now": RuleBook(actions=APPLICATION_ACTIONS, rules=WHO + WHERE + NOW),
}


def outlet_of(actor: Actor) -> Outlet | None:
    return Outlet.objects.filter(code=actor.outlet_code).first() if actor.outlet_code else None


def application_actions(
    application: CardApplication, actor: Actor, *, outlet: Outlet | None = None
) -> Permissions:
    """Every act on `application` that `actor` may take now at `outlet` (by default the
    actor's), or why not."""
    asked = Asked(application, outlet or outlet_of(actor))
    return APPLICATION_RULES["now"].judge(actor, asked)


def allowed_events(
    application: CardApplication, actor: Actor, *, outlet: Outlet | None = None
) -> list[str]:
    """The events `actor` may record on `application` now, in the order of the machine."""
    allowed = application_actions(application, actor, outlet=outlet)
    return [event for event in BANK_EVENTS if allowed.may(event)]


def application_access(actor: Actor, application: CardApplication) -> Permissions:
    """Whose application it is: the acts whose pages `actor` may open, or why not."""
    return APPLICATION_RULES["who"].judge(actor, Asked(application), ACCESS_ACTIONS)


def check_application_action(
    actor: Actor,
    application: CardApplication,
    action: str,
    *,
    outlet: Outlet | None = None,
    bank: Bank | None = None,
    upto: Stage = "now",
) -> None:
    """Raise the refusal of `action` on `application`, judged up to the stage `upto`."""
    APPLICATION_RULES[upto].check(actor, Asked(application, outlet, bank), action)


# ---------------------------------------------------------------- a new application

APPLY_FOR_CARD = "apply_for_card"
RECORD_INTAKE = "record_intake"


@dataclass(frozen=True)
class Applying:
    """A new application for a person, at an outlet, of a type and for a bank when known."""

    person: Person
    outlet: Outlet | None = None
    type: str | None = None
    bank: Bank | None = None
    production: str | None = None


def _at_a_terminal(actor: Actor, asked: Applying) -> DomainError | None:
    """A self-service terminal takes a reissue only where it is equipped to make the card on
    the spot (DOMAIN.md sections 2 and 13): instant issuance, of a reissue, at its outlet. The
    kiosk channel applies at a terminal only; anywhere else it is refused like any channel
    that is not a counter's."""
    outlet = asked.outlet
    if outlet is None or not outlet.offers(Service.INSTANT_ISSUANCE):
        return Conflict(
            "This terminal cannot make cards; a reissue is applied for at a window or bank.",
            code=ErrorCode.SERVICE_NOT_OFFERED,
        )
    if asked.type not in (None, ApplicationType.REISSUE) or asked.production not in (
        None,
        Production.INSTANT,
    ):
        return Conflict(
            "A terminal takes only a reissue made on the spot.",
            code=ErrorCode.SERVICE_NOT_OFFERED,
        )
    return None


def applying_where(actor: Actor, asked: Applying, action: str) -> DomainError | None:
    """An application is made across a counter that takes applications, or at a terminal
    equipped for instant issuance, on the bank's terms; an intake at a community committee, or
    an outlet that takes intakes."""
    if action == APPLY_FOR_CARD:
        at_a_terminal = (
            asked.outlet is not None and asked.outlet.type == OutletType.SELF_SERVICE_TERMINAL
        )
        channels = COUNTER_CHANNELS | ({Channel.KIOSK} if at_a_terminal else set())
        return (
            refusal_of(require_channel, actor, channels, "A card application")
            or (_at_a_terminal(actor, asked) if actor.channel == Channel.KIOSK else None)
            or apply_refusal(actor, person=asked.person, type=asked.type, bank=asked.bank)
            or offered(asked.outlet, Service.REISSUE)
        )
    outlet = asked.outlet
    if outlet is None or (
        outlet.type != OutletType.COMMUNITY_COMMITTEE and not outlet.offers(Service.INTAKE)
    ):
        where = f"Outlet {outlet.code}" if outlet is not None else "This"
        return Conflict(f"{where} does not take intakes.", code=ErrorCode.SERVICE_NOT_OFFERED)
    return None


def none_open(actor: Actor, asked: Applying, action: str) -> DomainError | None:
    open_app = open_application(asked.person)
    if open_app is None:
        return None
    return Conflict(
        f"Application {open_app.number} is still open ({open_app.status}).",
        code=ErrorCode.APPLICATION_OPEN,
        open_application=open_app.number,
    )


APPLYING_ACTIONS: tuple[str, ...] = (APPLY_FOR_CARD, RECORD_INTAKE)
APPLYING_RULES: dict[Stage, RuleBook[Applying]] = {
    "who": RuleBook(actions=APPLYING_ACTIONS, rules=()),
    "where": RuleBook(actions=APPLYING_ACTIONS, rules=(applying_where,)),
    "now": RuleBook(actions=APPLYING_ACTIONS, rules=(applying_where, none_open)),
}


def applying_actions(person: Person, actor: Actor, *, outlet: Outlet | None = None) -> Permissions:
    """Whether `actor` may apply, or take an intake, for `person` now at `outlet` (by default
    the actor's)."""
    return APPLYING_RULES["now"].judge(actor, Applying(person, outlet or outlet_of(actor)))


def check_applying(
    actor: Actor,
    person: Person,
    action: str,
    *,
    outlet: Outlet,
    type: str | None = None,
    bank: Bank | None = None,
    production: str | None = None,
    upto: Stage = "now",
) -> None:
    APPLYING_RULES[upto].check(actor, Applying(person, outlet, type, bank, production), action)
