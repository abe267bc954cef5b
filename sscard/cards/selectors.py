"""Reading cards. `card_status` is the hot path: one indexed row, no joins, no writes.

A temporary report that has run out reads as lapsed at once, whether or not the sweep has
written the lapse yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from sscard.cards.holders import check_acting_party
from sscard.cards.models import (
    LIVE_STATUSES,
    BankStatus,
    Card,
    CardStatus,
    LossKind,
    LossReport,
    LossStatus,
)
from sscard.cards.numbers import is_valid_card_number
from sscard.common import clock
from sscard.common.errors import DomainError, NotFound
from sscard.people.models import Person
from sscard.policy.models import LapseAction, RegionalPolicy
from sscard.policy.selectors import policy_for_region, temporary_report_expiry

_EXPIRING = frozenset({CardStatus.NORMAL, CardStatus.SEALED, CardStatus.PIN_LOCKED})
# A card in the hand that is not blocked yet: a loss report may start on it.
REPORTABLE = frozenset({CardStatus.NORMAL, CardStatus.SEALED, CardStatus.PIN_LOCKED})


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
) -> Effective:
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
    if status in _EXPIRING and expires_on is not None and expires_on < timezone.localdate(now):
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


_STATUS_FIELDS = (
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
_STATUS_SQL = "SELECT {columns} FROM {table} WHERE {number} = %s".format(
    columns=", ".join(_COLUMNS[f] for f in _STATUS_FIELDS),
    table=Card._meta.db_table,
    number=_COLUMNS["number"],
)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back the stored UTC time without its zone.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def card_status(card_number: str) -> CardStatusView:
    """What a point of use needs to know before it accepts a card."""
    number = card_number.strip().upper() if isinstance(card_number, str) else ""
    if not is_valid_card_number(number):
        raise NotFound("No card with this number.", code="card_not_found")
    with connection.cursor() as cursor:
        cursor.execute(_STATUS_SQL, [number])
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No card with this number.", code="card_not_found")
    status, bank_status, expires_on, lost_until, action, unfreezes, restore = row
    state = effective_state(
        status=status,
        bank_status=bank_status,
        expires_on=expires_on,
        lost_until=_aware(lost_until),
        lapse_action=action,
        lapse_unfreezes_bank=bool(unfreezes),
        restore_status=restore,
        now=clock.now(),
    )
    return CardStatusView(
        card_number=number,
        status=state.status,
        usable=state.status == CardStatus.NORMAL,
        bank_status=state.bank_status,
        expires_on=expires_on,
        blocked_until=state.lost_until if state.status == CardStatus.TEMPORARILY_LOST else None,
    )


def get_card(card_number: str) -> Card:
    number = card_number.strip().upper() if isinstance(card_number, str) else ""
    card = Card.objects.filter(number=number).select_related("person", "bank").first()
    if card is None:
        raise NotFound("No card with this number.", code="card_not_found")
    return card


def current_card(person: Person) -> Card:
    """The card in the person's hand: the live one, else the newest."""
    card = (
        Card.objects.filter(person=person, status__in=[s.value for s in LIVE_STATUSES]).first()
        or Card.objects.filter(person=person).order_by("-generation", "-pk").first()
    )
    if card is None:
        raise NotFound("This person has no card.", code="card_not_found")
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
        raise NotFound("No loss report with this reference.", code="loss_report_not_found")
    return report


def is_usable(card: Card) -> bool:
    return effective_of(card).status == CardStatus.NORMAL


@dataclass(frozen=True)
class OnlineActions:
    """What a holder, or a guardian for a ward, may do with a card online (web or app).

    The services decide in the end; this says beforehand which actions to offer, so that a
    person is not shown a button only to be refused.
    """

    card: Card
    state: Effective
    report: LossReport | None  # the loss report in force, if any (a lapsed one is not)
    policy: RegionalPolicy
    refusal: str  # why this person may not act for the card at all (an error code), or ""
    may_report: bool  # start a temporary loss report
    may_renew: bool  # renew the temporary report in force
    may_lift: bool  # lift the temporary report in force, after a fresh one-time code
    blocked_until_if_reported: dt.datetime  # when a temporary report made now would lapse
    lapse_action: str  # what that lapse does to the card (release or cancel)
    freezes_bank: bool  # whether a report made now freezes the bank account too


def online_actions(card: Card, *, person: Person) -> OnlineActions:
    now = clock.now()
    state = effective_of(card, now)
    report = None if state.lapsed else effective_report(card)
    relation = "self" if person.pk == card.person_id else "guardian"
    refusal = ""
    try:
        check_acting_party(subject=card.person, actor=person, relation=relation)
    except DomainError as exc:
        refusal = exc.code
    policy = policy_for_region(card.issuing_region_code)
    temporary = (
        report is not None
        and report.kind == LossKind.TEMPORARY
        and report.reissue_applied_at is None
    )
    return OnlineActions(
        card=card,
        state=state,
        report=report,
        policy=policy,
        refusal=refusal,
        may_report=not refusal and report is None and state.status in REPORTABLE,
        may_renew=not refusal and temporary,
        may_lift=not refusal and temporary,
        blocked_until_if_reported=temporary_report_expiry(policy, now),
        lapse_action=policy.on_temporary_lapse,
        freezes_bank=policy.linked_loss_reporting and state.bank_status == BankStatus.NORMAL,
    )


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
