"""What an actor may do with a card now, and why not: the rules of the card's read model.

Every rule a card service checks before it acts is here, as a side-effect-free function of the
facts about one card (`CardFacts`, gathered by the selectors) and one action that answers the
refusal (the DomainError the service raises) or None: who acts (a bank moves only its own
bank's cards; a person acts for a holder only as the holder or a recorded guardian), through
which channel and at which outlet, and what the card's state allows. Rules are tried in order
and the first refusal stands (see `sscard.common.permissions`).

`sscard.cards.selectors.card_actions` is the one public reader: the services check it before
they act (who and where before the card's lock, its state under the lock); the console,
portal, API and any other interface ask it which actions to offer, and show its refusal,
which is the service's, code and all.
"""

from __future__ import annotations

from typing import Protocol

from sscard.cards.models import (
    IN_HAND_STATUSES,
    BankStatus,
    Card,
    CardStatus,
    LossKind,
    LossReport,
    LossSides,
    LossStatus,
)
from sscard.common.context import COUNTER_CHANNELS, Actor, Channel
from sscard.common.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    FieldError,
    ValidationError,
    not_one_of,
)
from sscard.common.permissions import RuleBook
from sscard.outlets.models import Outlet, Service
from sscard.partners.selectors import bank_refusal
from sscard.policy.models import LapseAction, RegionalPolicy

REPORT_TEMPORARY = "report_temporary_loss"
REPORT_FORMAL = "report_formal_loss"
LIFT = "lift_loss_report"
ACTIVATE = "activate_card"
VERIFY_PIN = "verify_pin"
RESET_PIN = "reset_pin"
CARD_ACTIONS: tuple[str, ...] = (
    REPORT_TEMPORARY,
    REPORT_FORMAL,
    LIFT,
    ACTIVATE,
    VERIFY_PIN,
    RESET_PIN,
)
ONLINE_CHANNELS = frozenset({Channel.WEB, Channel.APP})

# What a loss report does to a card that may have one in force already.
CREATED, RENEWED, CONVERTED, EXTENDED = "created", "renewed", "converted", "extended"


def report_action(kind: str) -> str:
    """The action of reporting a loss of `kind` (temporary or formal)."""
    return REPORT_FORMAL if kind == LossKind.FORMAL else REPORT_TEMPORARY


def needs_documents(action: str, channel: str) -> bool:
    """Whether the act is done with the original documents on a desk (DOMAIN.md 4, 6 and 7):
    a formal report, activation and a PIN reset always; lifting when done at a counter."""
    if action == LIFT:
        return channel in COUNTER_CHANNELS
    return action in (REPORT_FORMAL, ACTIVATE, RESET_PIN)


class CardFacts(Protocol):
    """What the rules read about one card and who asks (`sscard.cards.selectors` gathers it)."""

    card: Card
    outlet: Outlet | None  # where the act is done, if at an outlet

    @property
    def status(self) -> str:
        """The card's effective status: a lapse or an expiry that is due counts."""

    @property
    def lapsed(self) -> bool:
        """Whether a temporary report has run out and its lapse is not written yet."""

    @property
    def stored_status(self) -> str:
        """The status the card's row holds once a lapse that is due is written."""

    @property
    def report(self) -> LossReport | None:
        """The loss report in force."""

    @property
    def asked_report(self) -> LossReport | None:
        """The report an action on a report is about: the one named, else the one in force."""

    @property
    def policy(self) -> RegionalPolicy: ...

    @property
    def acting_refusal(self) -> DomainError | None:
        """Why the person acting may not act for the holder, if a person is named."""


# ---------------------------------------------------------------- refusals shared with others


def channel_refusal(actor: Actor, allowed: frozenset[str], what: str) -> ValidationError | None:
    names = sorted(allowed)
    return not_one_of(
        actor.channel,
        names,
        field="channel",
        detail=f"{what} cannot be done through the {actor.channel} channel "
        f"(only: {', '.join(names)}).",
        code=ErrorCode.CHANNEL_NOT_ALLOWED,
    )


def outlet_refusal(outlet: Outlet | None, service: str) -> Conflict | None:
    if outlet is None or outlet.offers(service):
        return None
    return Conflict(
        f"Outlet {outlet.code} does not offer {service.replace('_', ' ')}.",
        code=ErrorCode.SERVICE_NOT_OFFERED,
    )


# ---------------------------------------------------------------- who acts, through which channel


def own_bank(actor: Actor, facts: CardFacts, action: str) -> DomainError | None:
    """DOMAIN.md section 5: a bank moves only its own bank's cards."""
    if actor.bank_code is None:
        return None
    return bank_refusal(actor, facts.card.bank, subject="card")


# Written reports, activation and PINs need the original ID on a desk (DOMAIN.md 4 and 7).
_AT_A_COUNTER = {
    REPORT_FORMAL: "A formal loss report",
    ACTIVATE: "Activation",
    RESET_PIN: "A PIN reset",
}


def channel(actor: Actor, facts: CardFacts, action: str) -> DomainError | None:
    if action == LIFT:
        return _lifting_channel(actor, facts)
    what = _AT_A_COUNTER.get(action)
    return channel_refusal(actor, COUNTER_CHANNELS, what) if what else None


def _lifting_channel(actor: Actor, facts: CardFacts) -> DomainError | None:
    """At a counter with the original ID; online only a temporary report, after strong
    identification (the interface's job); nowhere else."""
    if actor.channel in COUNTER_CHANNELS:
        return None
    if actor.channel in ONLINE_CHANNELS:
        report = facts.asked_report
        if report is not None and report.kind != LossKind.TEMPORARY:
            return ValidationError(
                "A formal report is lifted only at a window or bank outlet with the original ID.",
                code=ErrorCode.CHANNEL_NOT_ALLOWED,
                errors=[FieldError("channel", "must be window or bank for a formal report")],
            )
        return None
    return channel_refusal(actor, COUNTER_CHANNELS | ONLINE_CHANNELS, "Lifting a loss report")


_SERVICES = {
    REPORT_TEMPORARY: Service.TEMPORARY_LOSS_REPORT,
    REPORT_FORMAL: Service.FORMAL_LOSS_REPORT,
    ACTIVATE: Service.ACTIVATION,
    RESET_PIN: Service.PIN_RESET,
}


def outlet_service(actor: Actor, facts: CardFacts, action: str) -> DomainError | None:
    """The outlet where it is done offers the service (lifting: at a counter)."""
    service = _SERVICES.get(action)
    if action == LIFT and actor.channel in COUNTER_CHANNELS:
        service = Service.LIFT
    return outlet_refusal(facts.outlet, service) if service else None


def acting_party(actor: Actor, facts: CardFacts, action: str) -> DomainError | None:
    """DOMAIN.md section 6: the holder acts alone from the policy's age; anyone else acting
    for the holder is a recorded guardian."""
    return facts.acting_refusal


# ---------------------------------------------------------------- what the card's state allows


def report_sides(policy: RegionalPolicy, channel: str) -> str:
    """The sides a report through `channel` blocks: both under linked reporting; else its own."""
    if policy.linked_loss_reporting:
        return LossSides.BOTH
    return LossSides.FINANCIAL if channel == Channel.BANK else LossSides.SOCIAL


def lapse_on_card(lapse_action: str, sides: str) -> str:
    """What the lapse of a temporary report does to the card: the policy's action where it
    blocks the social-security side, else only a release of the bank account."""
    return lapse_action if sides != LossSides.FINANCIAL else LapseAction.RELEASE


def freezes_bank(sides: str, bank_status: str) -> bool:
    """A report covering the financial side freezes an account that is in use."""
    return sides != LossSides.SOCIAL and bank_status == BankStatus.NORMAL


def report_step(report: LossReport | None, kind: str, sides: str) -> str:
    """What a report of `kind` covering `sides` does with the report in force: CREATED (none
    in force), RENEWED or CONVERTED (a temporary one), EXTENDED (a formal one covering only the
    other side), or "" (a formal one already covers it: nothing to do)."""
    if report is None:
        return CREATED
    if report.kind == LossKind.TEMPORARY:
        return RENEWED if kind == LossKind.TEMPORARY else CONVERTED
    if report.sides not in (LossSides.BOTH, sides):
        return EXTENDED
    return ""


def _report_state(actor: Actor, facts: CardFacts) -> DomainError | None:
    status = facts.status
    if facts.report is not None:
        if facts.report.kind == LossKind.TEMPORARY:
            return None
        try:
            sides = report_sides(facts.policy, actor.channel)
        except DomainError as no_policy:
            return no_policy
        if not report_step(facts.report, LossKind.FORMAL, sides):
            return Conflict(
                "The card is already formally reported lost.",
                code=ErrorCode.CARD_NOT_REPORTABLE,
                card_status=status,
            )
        return None
    if status in IN_HAND_STATUSES:
        return None
    if status in (CardStatus.IN_PRODUCTION, CardStatus.AWAITING_COLLECTION):
        detail = "The card has not been collected yet; it cannot be reported lost."
    else:
        detail = f"A {status.replace('_', ' ')} card cannot be reported lost."
    return Conflict(detail, code=ErrorCode.CARD_NOT_REPORTABLE, card_status=status)


def _lifting_state(facts: CardFacts) -> DomainError | None:
    """Only a report in force is lifted, and not once a reissue has been applied for: from then
    on the old card is on its way to cancellation."""
    report = facts.asked_report
    if report is None:
        return Conflict(
            "The card has no loss report in force.", code=ErrorCode.REPORT_NOT_EFFECTIVE
        )
    status = report.status
    if status == LossStatus.EFFECTIVE and facts.lapsed:
        status = LossStatus.LAPSED
    if status != LossStatus.EFFECTIVE:
        return Conflict(
            f"This loss report is {status}, not effective.",
            code=ErrorCode.REPORT_NOT_EFFECTIVE,
            report_status=status,
        )
    if report.reissue_applied_at is not None:
        return Conflict(
            "A reissue has been applied for; the old card is on its way to cancellation.",
            code=ErrorCode.REISSUE_IN_PROGRESS,
        )
    return None


def _activation_state(facts: CardFacts) -> DomainError | None:
    """Only a collected (sealed) card in date is activated."""
    stored = facts.stored_status
    if stored in (CardStatus.IN_PRODUCTION, CardStatus.AWAITING_COLLECTION):
        return Conflict(
            "The card has not been collected yet.",
            code=ErrorCode.CARD_NOT_COLLECTED,
            card_status=stored,
        )
    if facts.status != CardStatus.SEALED:
        return Conflict(
            f"The card is {stored.replace('_', ' ')}; only a collected card can be activated.",
            code=ErrorCode.CARD_NOT_ACTIVATABLE,
            card_status=stored,
        )
    return None


def _pin_state(facts: CardFacts, action: str) -> DomainError | None:
    """A PIN is verified on a usable card only; it is reset (and unlocked) on a card in use."""
    status = facts.status
    if action == RESET_PIN:
        if status in (CardStatus.NORMAL, CardStatus.PIN_LOCKED):
            return None
        return Conflict(
            f"The card is {status.replace('_', ' ')}; its PIN cannot be reset.",
            code=ErrorCode.CARD_NOT_USABLE,
            card_status=status,
        )
    if status == CardStatus.PIN_LOCKED:
        return DomainError(
            "The PIN is locked; unlock it at a window or bank outlet.",
            code=ErrorCode.PIN_LOCKED,
            status=423,
        )
    if status != CardStatus.NORMAL:
        return Conflict(
            f"The card is {status.replace('_', ' ')}.",
            code=ErrorCode.CARD_NOT_USABLE,
            card_status=status,
        )
    return None


def card_state(actor: Actor, facts: CardFacts, action: str) -> DomainError | None:
    if action in (REPORT_TEMPORARY, REPORT_FORMAL):
        return _report_state(actor, facts)
    if action == LIFT:
        return _lifting_state(facts)
    if action == ACTIVATE:
        return _activation_state(facts)
    return _pin_state(facts, action)


# Who acts, through which channel and where: what the card's state does not touch.
WHO_AND_WHERE = (own_bank, channel, outlet_service, acting_party)
CARD_RULES: RuleBook[CardFacts] = RuleBook(actions=CARD_ACTIONS, rules=(*WHO_AND_WHERE, card_state))
# A service judges an action in two halves: who and where before it takes the card's lock (so
# nothing slow is done for a refused act), the card's state under the lock, on the card as it is.
BEFORE_THE_LOCK: RuleBook[CardFacts] = RuleBook(actions=CARD_ACTIONS, rules=WHO_AND_WHERE)
UNDER_THE_LOCK: RuleBook[CardFacts] = RuleBook(actions=CARD_ACTIONS, rules=(card_state,))
