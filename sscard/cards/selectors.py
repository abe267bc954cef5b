"""Reading cards. `card_status` is the hot path: one indexed row, no joins, no writes;
`card_statuses` answers it for up to 100 cards at once, in one query.

A temporary report that has run out reads as lapsed at once, whether or not the sweep has
written the lapse yet.

`card_actions` is the card's read model: what an actor may do with a card now, and why not,
by the rules of `sscard.cards.permissions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from sscard.cards.holders import check_acting_party, policy_for_card
from sscard.cards.models import (
    IN_HAND_STATUSES,
    BankStatus,
    Card,
    CardStatus,
    LossReport,
    LossStatus,
)
from sscard.cards.numbers import is_valid_card_number
from sscard.cards.permissions import (
    BEFORE_THE_LOCK,
    CARD_ACTIONS,
    CARD_RULES,
    UNDER_THE_LOCK,
    freezes_bank,
    lapse_on_card,
    own_bank,
    report_action,
    report_sides,
    report_step,
)
from sscard.cards.person_cards import card_in_hand
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.database import hot_row, hot_rows_where_in
from sscard.common.errors import DomainError, ErrorCode, NotFound
from sscard.common.permissions import Permissions
from sscard.outlets.models import Outlet
from sscard.people.models import Person
from sscard.people.selectors import relation_to
from sscard.policy.models import LapseAction, RegionalPolicy
from sscard.policy.selectors import temporary_report_expiry


@dataclass(frozen=True)
class CardStatusView:
    card_number: str
    status: str
    usable: bool
    bank_status: str
    expires_on: dt.date | None
    blocked_until: dt.datetime | None


@dataclass(frozen=True)
class Effective:
    status: str
    bank_status: str
    lost_until: dt.datetime | None
    lapsed: bool

    @property
    def usable(self) -> bool:
        """A point of use accepts a normal card only."""
        return self.status == CardStatus.NORMAL

    @property
    def blocked_until(self) -> dt.datetime | None:
        """When a temporary report's block ends, while the card is temporarily lost."""
        return self.lost_until if self.status == CardStatus.TEMPORARILY_LOST else None


def effective_state(
    *,
    status: str,
    bank_status: str,
    expires_on: dt.date | None,
    lost_until: dt.datetime | None,
    lapse_action: str,
    lapse_unfreezes_bank: bool,
    restore_status: str,
    now: dt.datetime,
    today: dt.date | None = None,
) -> Effective:
    """The card's status as a point of use sees it at `now`: a temporary report's block lapsed,
    a card in hand past its expiry date expired. `today` is the service's date at `now`
    (timezone.localdate(now)), given by callers that compute many cards' states at one
    moment."""
    lapsed = lost_until is not None and lost_until <= now
    if lapsed:
        if status == CardStatus.TEMPORARILY_LOST:
            if lapse_action == LapseAction.CANCEL:
                status = CardStatus.CANCELLED
                if bank_status in (BankStatus.NORMAL, BankStatus.FROZEN):
                    bank_status = BankStatus.CLOSED
            else:
                status = restore_status or CardStatus.NORMAL
        if lapse_unfreezes_bank and bank_status == BankStatus.FROZEN:
            bank_status = BankStatus.NORMAL
        lost_until = None
    in_hand = status in IN_HAND_STATUSES
    if in_hand and expires_on is not None and expires_on < (today or timezone.localdate(now)):
        status = CardStatus.EXPIRED
    return Effective(status, bank_status, lost_until, lapsed)


def effective_of(card: Card, now: dt.datetime | None = None) -> Effective:
    return effective_state(
        status=card.status,
        bank_status=card.bank_status,
        expires_on=card.expires_on,
        lost_until=card.lost_until,
        lapse_action=card.lapse_action,
        lapse_unfreezes_bank=card.lapse_unfreezes_bank,
        restore_status=card.status_before_loss,
        now=now or clock.now(),
    )


# The columns a card's effective state is computed from, in the order `effective_of_row` takes.
STATUS_FIELDS = (
    "status",
    "bank_status",
    "expires_on",
    "lost_until",
    "lapse_action",
    "lapse_unfreezes_bank",
    "status_before_loss",
)
# One indexed row by a unique key. The SQL is written once rather than built by a queryset on
# every call: the queryset machinery costs several times the database round trip here.
_COLUMNS = {f.name: f.column for f in Card._meta.concrete_fields}


def status_columns(alias: str) -> str:
    """The SQL list of a card's `STATUS_FIELDS` under a table alias, for reads that join the
    card to something else and still compute its live status with `effective_of_row`."""
    return ", ".join(f"{alias}.{_COLUMNS[f]}" for f in STATUS_FIELDS)


_STATUS_SQL = "SELECT {columns} FROM {table} c WHERE c.{number} = %s".format(
    columns=status_columns("c"),
    table=Card._meta.db_table,
    number=_COLUMNS["number"],
)


_STATUSES_SELECT = "SELECT c.{number}, {columns} FROM {table} c".format(
    number=_COLUMNS["number"], columns=status_columns("c"), table=Card._meta.db_table
)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A time read by raw SQL, with its zone (UTC)."""
    # SQLite hands back the stored UTC time without its zone.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def effective_of_row(
    row: Sequence[Any], now: dt.datetime, today: dt.date | None = None
) -> Effective:
    """The effective state from a card's `STATUS_FIELDS`, read as a row of values."""
    status, bank_status, expires_on, lost_until, action, unfreezes, restore = row
    return effective_state(
        status=status,
        bank_status=bank_status,
        expires_on=expires_on,
        lost_until=aware(lost_until),
        lapse_action=action,
        lapse_unfreezes_bank=bool(unfreezes),
        restore_status=restore,
        now=now,
        today=today,
    )


def card_not_found() -> NotFound:
    """What the lookups answer for a number that is no card's (unknown or malformed)."""
    return NotFound("No card with this number.", code=ErrorCode.CARD_NOT_FOUND)


def _card_number(card_number: object) -> str:
    """A card number as asked, in the form it is stored (any case, spaces around)."""
    return card_number.strip().upper() if isinstance(card_number, str) else ""


def _status_view(
    number: str, row: Sequence[Any], now: dt.datetime, today: dt.date | None = None
) -> CardStatusView:
    state = effective_of_row(row, now, today)
    _, _, expires_on, *_ = row
    return CardStatusView(
        card_number=number,
        status=state.status,
        usable=state.usable,
        bank_status=state.bank_status,
        expires_on=expires_on,
        blocked_until=state.blocked_until,
    )


def card_status(card_number: str) -> CardStatusView:
    """What a point of use needs to know before it accepts a card."""
    number = _card_number(card_number)
    if not is_valid_card_number(number):
        raise card_not_found()
    row = hot_row(_STATUS_SQL, [number])
    if row is None:
        raise card_not_found()
    return _status_view(number, row, clock.now())


# The most card numbers `card_statuses` answers at once (the batch lookup's limit).
MAX_STATUS_BATCH = 100


def card_statuses(card_numbers: Sequence[str]) -> list[CardStatusView | None]:
    """`card_status` of each number, in the order asked, in one query: None where
    `card_status` says `card_not_found()` (an unknown or malformed number). A number asked twice is
    answered twice. Every card is read live, at the same moment."""
    if len(card_numbers) > MAX_STATUS_BATCH:
        raise ValueError(f"at most {MAX_STATUS_BATCH} card numbers at once")
    asked = [_card_number(n) for n in card_numbers]
    wanted = sorted({n for n in asked if is_valid_card_number(n)})
    found = hot_rows_where_in(_STATUSES_SELECT, f"c.{_COLUMNS['number']}", wanted)
    now = clock.now()
    today = timezone.localdate(now)
    views = {row[0]: _status_view(row[0], row[1:], now, today) for row in found}
    return [views.get(number) for number in asked]


def get_card(card_number: str) -> Card:
    number = _card_number(card_number)
    card = Card.objects.filter(number=number).select_related("person", "bank").first()
    if card is None:
        raise card_not_found()
    return card


def current_card(person: Person) -> Card:
    """The card in the person's hand: the live one, else the newest."""
    card = card_in_hand(person)
    if card is None:
        raise NotFound("This person has no card.", code=ErrorCode.CARD_NOT_FOUND)
    return card


def effective_report(card: Card) -> LossReport | None:
    return LossReport.objects.filter(card=card, status=LossStatus.EFFECTIVE).first()


def get_loss_report(reference: str) -> LossReport:
    report = (
        LossReport.objects.filter(reference=str(reference).strip().upper())
        .select_related("card", "card__person")
        .first()
    )
    if report is None:
        raise NotFound("No loss report with this reference.", code=ErrorCode.LOSS_REPORT_NOT_FOUND)
    return report


def is_usable(card: Card) -> bool:
    return effective_of(card).usable


# ---------------------------------------------------------------- what may be done now


class LoadedCardFacts:
    """One card as the rules of `sscard.cards.permissions` see it (their `CardFacts`), with
    who asks and where; each fact is read once, and only when a rule needs it."""

    def __init__(
        self,
        card: Card,
        actor: Actor,
        *,
        outlet: Outlet | None = None,
        person: Person | None = None,
        relation: str | None = None,
        report: LossReport | None = None,
    ) -> None:
        self.card, self.actor, self.outlet = card, actor, outlet
        self.now = clock.now()
        self.state: Effective = effective_of(card, self.now)
        self.status, self.lapsed = self.state.status, self.state.lapsed
        self._person, self._relation, self._asked = person, relation, report

    @cached_property
    def report(self) -> LossReport | None:
        """The loss report in force (one that has run out is not, swept or not)."""
        return None if self.state.lapsed else effective_report(self.card)

    @property
    def asked_report(self) -> LossReport | None:
        """The report an action on a report is about: the one named, else the one in force."""
        return self._asked if self._asked is not None else self.report

    @cached_property
    def policy(self) -> RegionalPolicy:
        return policy_for_card(self.card)

    @property
    def stored_status(self) -> str:
        """The status the card's row holds once a lapse that is due is written."""
        return self.state.status if self.state.lapsed else self.card.status

    @cached_property
    def acting_refusal(self) -> DomainError | None:
        """Why the acting person may not act for the holder, when a person is named."""
        if self._person is None:
            return None
        relation = self._relation
        if relation is None:
            relation = relation_to(self._person, self.card.person_id)
        try:
            check_acting_party(subject=self.card.person, actor=self._person, relation=relation)
        except DomainError as refusal:
            return refusal
        return None


@dataclass(frozen=True)
class CardActions:
    """What `actor` may do with one card now: each action allowed, or refused with the
    service's refusal; and what a loss report made now would do."""

    facts: LoadedCardFacts
    permissions: Permissions

    @property
    def state(self) -> Effective:
        return self.facts.state

    @property
    def report(self) -> LossReport | None:
        """The loss report in force, if any."""
        return self.facts.report

    @property
    def policy(self) -> RegionalPolicy:
        return self.facts.policy

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(a for a in CARD_ACTIONS if self.permissions.may(a))

    def may(self, action: str) -> bool:
        return self.permissions.may(action)

    def refusal(self, action: str) -> DomainError | None:
        return self.permissions.refusal(action)

    def check(self, action: str) -> None:
        self.permissions.check(action)

    @property
    def standing(self) -> DomainError | None:
        """Why the actor (or the person acting) may not act on this card at all, if so."""
        return own_bank(self.facts.actor, self.facts, "") or self.facts.acting_refusal

    def report_outcome(self, kind: str) -> str:
        """What a report of `kind` would do now (CREATED, RENEWED, CONVERTED, EXTENDED), or ""
        if it is refused."""
        if not self.may(report_action(kind)):
            return ""
        sides = report_sides(self.policy, self.facts.actor.channel) if self.report else ""
        return report_step(self.report, kind, sides)

    @property
    def blocked_until_if_reported(self) -> dt.datetime:
        """When a temporary report made (or renewed) now would lapse."""
        return temporary_report_expiry(self.policy, self.facts.now)

    @property
    def lapse_action_if_reported(self) -> str:
        """What the lapse of a temporary report made now would do to the card."""
        sides = report_sides(self.policy, self.facts.actor.channel)
        return lapse_on_card(self.policy.on_temporary_lapse, sides)

    @property
    def freezes_bank_if_reported(self) -> bool:
        """Whether a report made now through the actor's channel freezes the bank account."""
        sides = report_sides(self.policy, self.facts.actor.channel)
        return freezes_bank(sides, self.state.bank_status)


def card_actions(
    card: Card,
    actor: Actor,
    *,
    outlet: Outlet | None = None,
    person: Person | None = None,
    relation: str | None = None,
    report: LossReport | None = None,
    actions: tuple[str, ...] | None = None,
) -> CardActions:
    """What `actor` may do with `card` now, through the actor's channel, at `outlet` (where the
    act is done; None: no outlet's services to check), with `person` acting for the holder as
    `relation` ("self" or "guardian"; by default self for the holder, else guardian; no person:
    not checked), on `report` (lifting: the report named; by default the one in force). Judges
    `actions` only, if given."""
    facts = LoadedCardFacts(
        card, actor, outlet=outlet, person=person, relation=relation, report=report
    )
    return CardActions(facts, CARD_RULES.judge(actor, facts, actions))


def check_before_the_lock(card: Card, actor: Actor, action: str, **given: Any) -> None:
    """A service's first half: raise the refusal of `action` by the rules on who acts, through
    which channel and where (same inputs as `card_actions`)."""
    BEFORE_THE_LOCK.check(actor, LoadedCardFacts(card, actor, **given), action)


def check_under_the_lock(card: Card, actor: Actor, action: str, **given: Any) -> CardActions:
    """A service's second half, with the card locked and a lapse that is due written: raise the
    refusal of `action` by what the card's state allows, else return the answer."""
    facts = LoadedCardFacts(card, actor, **given)
    answer = CardActions(facts, UNDER_THE_LOCK.judge(actor, facts, (action,)))
    answer.check(action)
    return answer


# ---------------------------------------------------------------- supervision


def loss_reports_per_day(*, first: dt.date, last: dt.date) -> dict[tuple[dt.date, str], int]:
    """Loss reports made each local day from `first` to `last`, by the channel they came
    through (a report counts on the day it was first made, whatever became of it)."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = (
        LossReport.objects.filter(effective_at__gte=start, effective_at__lt=end)
        .annotate(day=TruncDate("effective_at", tzinfo=zone))
        .values_list("day", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(day, channel): n for day, channel, n in rows}


def pin_locked_cards() -> QuerySet[Card]:
    """Cards whose PIN is locked: unlocked only at a window or bank with the original ID."""
    return (
        Card.objects.filter(status=CardStatus.PIN_LOCKED)
        .select_related("person", "bank")
        .order_by("-updated_at", "pk")
    )


def loss_report_counts(now: dt.datetime | None = None) -> dict[tuple[str, str, str], int]:
    """Every loss report on record, by (channel, kind, status), as it reads now: a temporary
    report past its end counts as lapsed before the sweep writes the lapse. Two aggregates
    over the index `report_counts` (status, kind, channel) and `report_lapse_due`."""
    from django.db.models import Count

    rows = LossReport.objects.values_list("channel", "kind", "status").annotate(n=Count("pk"))
    counts = {(channel, kind, status): n for channel, kind, status, n in rows.order_by()}
    run_out = (
        LossReport.objects.filter(status=LossStatus.EFFECTIVE, expires_at__lte=now or clock.now())
        .values_list("channel", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for channel, kind, n in run_out:
        counts[(channel, kind, LossStatus.EFFECTIVE)] -= n
        lapsed = (channel, kind, LossStatus.LAPSED)
        counts[lapsed] = counts.get(lapsed, 0) + n
    return counts


def pin_locked_count(now: dt.datetime | None = None) -> int:
    """How many cards have their PIN locked now (one past its expiry reads as expired)."""
    today = timezone.localdate(now or clock.now())
    return Card.objects.filter(status=CardStatus.PIN_LOCKED).exclude(expires_on__lt=today).count()
