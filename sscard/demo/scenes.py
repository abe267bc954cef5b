"""The stage of the demo's stories: the people a story can happen to, the city's desks and
who sits at them, the moments steps happen at, the acts that go through the real services, and
the player that runs all stories' steps in time order with the clock frozen at each."""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from sscard.applications.models import CardApplication
from sscard.applications.services.applying import apply_for_card
from sscard.background.sweep import DECIDED_BY_TIME, run_sweep
from sscard.cards.models import Card, CardStatus, LossKind, LossReport
from sscard.cards.pins import check_pin_strength
from sscard.cards.services import (
    activate_card,
    lift_loss_report,
    report_loss,
)
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import ValidationError
from sscard.demo.bulk import DEMO_PIN, BulkResult
from sscard.demo.guangzhou import DISTRICTS
from sscard.notifications.models import OutboxMessage, OutboxStatus
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.people.models import Person, Relation
from sscard.people.selectors import guardianships_in_force

Story = Iterator[dt.datetime]
Teller = Callable[["Subject", random.Random], Story]
Where = Callable[["Subject"], bool]
TIANHE = "440106"
INSTANT_BANKS = ("ICBC", "BOC", "CCB", "GRCB")
HOTLINE_AGENTS = ("hotline-0417", "hotline-0802", "hotline-1123")


@dataclass
class Subject:
    """A person a story happens to, with the card in their hand and who acts for them."""

    person: Person
    card: Card | None
    guardian: Person | None = None
    relation: str = ""

    @property
    def actor_person(self) -> Person:
        return self.guardian or self.person

    @property
    def acting_relation(self) -> str:
        return "guardian" if self.guardian else "self"

    @property
    def documents(self) -> list[str]:
        if self.guardian is None:
            return ["id_card"]
        docs = ["household_register", "guardian_id_card"]
        if self.relation == Relation.LEGAL_GUARDIAN:
            docs.append("guardianship_proof")
        return docs

    @property
    def district(self) -> str:
        """Where the person lives now: the ID number may carry an older region code."""
        if self.card is not None:
            return self.card.issuing_region_code
        for district in DISTRICTS:
            if self.person.address.startswith(f"广州市{district.name}"):
                return district.code
        return self.person.region_code


@dataclass
class Played:
    stories: dict[str, int] = field(default_factory=dict)
    subjects: int = 0
    steps: int = 0


def play(stories: list[Story]) -> int:
    """Run the stories' steps in time order, each with the clock frozen at its moment."""
    heap: list[tuple[dt.datetime, int, Story]] = []
    for index, story in enumerate(stories):
        first = next(story, None)  # stories do nothing before their first moment
        if first is not None:
            heapq.heappush(heap, (first, index, story))
    steps = 0
    while heap:
        moment, index, story = heapq.heappop(heap)
        with clock.frozen_at(moment):
            following = next(story, None)
        steps += 1
        if following is not None:
            heapq.heappush(heap, (max(following, moment), index, story))
    return steps


class Scenes:
    """The city's desks and people, and the stories that can happen to them."""

    def __init__(self, bulk: BulkResult, *, seed: int, scale: int) -> None:
        self.bulk = bulk
        self.seed = seed
        self.scale = scale
        self.now = clock.now()
        self.tz = timezone.get_current_timezone()
        self.rng = random.Random(f"{seed}:scenarios")
        self.outlets = list(Outlet.objects.select_related("bank").order_by("code"))
        self.used: set[int] = set()
        self.pools: dict[str, list[Subject]] = {}
        self.played = Played()

    # ---------------------------------------------------------------- time

    def _local(self, day: dt.date, minutes: int) -> dt.datetime:
        start = dt.datetime.combine(day, dt.time(0), tzinfo=self.tz)
        return start + dt.timedelta(minutes=minutes)

    def _cap(self, moment: dt.datetime, rng: random.Random) -> dt.datetime:
        return min(moment, self.now - dt.timedelta(minutes=rng.randint(5, 40)))

    def _office(
        self, day: dt.date, rng: random.Random, after: dt.datetime | None = None
    ) -> dt.datetime:
        """Office hours on `day`, or the next weekday; the weekday before when that is still
        to come, as long as it follows `after`."""
        forward = day
        while forward.isoweekday() > 5:
            forward += dt.timedelta(days=1)
        moment = self._local(forward, rng.randint(9 * 60 + 10, 16 * 60 + 30))
        latest = self.now - dt.timedelta(minutes=40)
        back = day
        while moment > latest and back > day - dt.timedelta(days=7):
            if back.isoweekday() <= 5:
                first = self._local(back, 9 * 60 + 10)
                if after is not None:
                    first = max(first, after + dt.timedelta(minutes=5))
                last = min(self._local(back, 16 * 60 + 30), latest)
                if first <= last:
                    return first + (last - first) * rng.random()
            back -= dt.timedelta(days=1)
        return moment

    def at(self, rng: random.Random, days_ago: float, office: bool = False) -> dt.datetime:
        """The first step of a story: about `days_ago` days ago, in office hours on a weekday
        for a counter, otherwise between 07:00 and 22:30; never in the future."""
        day = timezone.localdate(self.now - dt.timedelta(days=days_ago))
        if office:
            return self._cap(self._office(day, rng), rng)
        return self._cap(self._local(day, rng.randint(7 * 60, 22 * 60 + 30)), rng)

    def later(
        self, after: dt.datetime, days: float, rng: random.Random, kind: str = "office"
    ) -> dt.datetime:
        """A following step, `days` after the previous one: at a counter (office hours, next
        weekday), at night (the bank's 03:00 production run) or any time; never in the
        future, never before the previous step."""
        target = timezone.localtime(after + dt.timedelta(days=days))
        if kind == "office":
            moment = self._office(target.date(), rng, after)
        elif kind == "night":
            moment = self._local(target.date(), 3 * 60)
            if moment <= after:
                moment += dt.timedelta(days=1)
        else:
            moment = self._local(target.date(), rng.randint(7 * 60, 22 * 60 + 30))
        if moment <= after:
            moment = after + dt.timedelta(minutes=rng.randint(5, 30))
        moment = max(self._cap(moment, rng), after + dt.timedelta(seconds=30))
        return min(moment, self.now - dt.timedelta(seconds=2))

    def soon(self, after: dt.datetime, minutes: int) -> dt.datetime:
        """The next step of the same visit."""
        return after + dt.timedelta(minutes=minutes)

    # ---------------------------------------------------------------- people

    def _load_pool(self, name: str, ids: list[int], limit: int = 3000) -> list[Subject]:
        chosen = self.rng.sample(ids, min(len(ids), limit))
        people = Person.objects.in_bulk(chosen)
        cards: dict[int, Card] = {}
        for card in (
            Card.objects.filter(
                person_id__in=chosen, status__in=[CardStatus.NORMAL, CardStatus.EXPIRED]
            )
            .select_related("bank")
            .order_by("generation", "pk")
        ):
            cards[card.person_id] = card
        guardians: dict[int, tuple[Person, str]] = {}
        for link in (
            guardianships_in_force()
            .filter(ward_id__in=chosen)
            .select_related("guardian")
            .order_by("-pk")
        ):
            guardians[link.ward_id] = (link.guardian, link.relation)
        subjects = []
        for pk in chosen:
            guardian, relation = guardians.get(pk, (None, ""))
            subjects.append(Subject(people[pk], cards.get(pk), guardian, relation))
        return subjects

    def take(self, pool: str, where: Callable[[Subject], bool] | None = None) -> Subject | None:
        if pool not in self.pools:
            self.pools[pool] = self._load_pool(pool, getattr(self.bulk, pool))
        for subject in self.pools[pool]:
            if subject.person.pk in self.used:
                continue
            if subject.guardian is not None and subject.guardian.pk in self.used:
                continue
            if where is None or where(subject):
                self.used.add(subject.person.pk)
                return subject
        return None

    # ---------------------------------------------------------------- desks

    def _outlets(self, type: str, district: str, bank: str | None = None) -> list[Outlet]:
        found = [
            o
            for o in self.outlets
            if o.type == type and (bank is None or (o.bank is not None and o.bank.code == bank))
        ]
        near = [o for o in found if o.region_code == district]
        return near or found

    def agency(self, s: Subject, rng: random.Random, offering: str = Service.REISSUE) -> Outlet:
        """Mostly the district's social insurance agency; sometimes the bureau, or the
        sub-district office where it offers the service."""
        choices = self._outlets(OutletType.SOCIAL_INSURANCE_AGENCY, s.district)
        draw = rng.random()
        if draw < 0.08:
            choices = self._outlets(OutletType.HRSS_BUREAU, s.district)
        elif draw < 0.25:
            nearby = [
                o
                for o in self._outlets(OutletType.SUBDISTRICT_OFFICE, s.district)
                if o.region_code == s.district and o.offers(offering)
            ]
            choices = nearby or choices
        return choices[rng.randrange(len(choices))]

    def bank_outlet(self, code: str, district: str, rng: random.Random) -> Outlet:
        choices = self._outlets(OutletType.BANK_OUTLET, district, code)
        return choices[rng.randrange(len(choices))]

    def instant_outlet(self, code: str) -> Outlet | None:
        for outlet in self._outlets(OutletType.BANK_OUTLET, "", code):
            if outlet.offers("instant_issuance"):
                return outlet
        return None

    def of_type(self, type: str, district: str, rng: random.Random) -> Outlet:
        choices = self._outlets(type, district)
        return choices[rng.randrange(len(choices))]

    @staticmethod
    def staff(role: str, channel: str, outlet: Outlet, number: int = 1) -> Actor:
        return Actor(
            kind="staff",
            id=f"{outlet.code.lower()}-{number:02d}",
            role=role,
            channel=channel,
            outlet_code=outlet.code,
            bank_code=outlet.bank.code if outlet.bank else None,
        )

    def counter(self, outlet: Outlet, rng: random.Random) -> Actor:
        number = rng.randint(1, 4)
        if outlet.type == OutletType.BANK_OUTLET:
            return self.staff(Role.BANK_CLERK, Channel.BANK, outlet, number)
        if outlet.type == OutletType.HRSS_BUREAU and rng.random() < 0.2:
            return self.staff(Role.SUPERVISOR, Channel.WINDOW, outlet, number)
        return self.staff(Role.WINDOW_CLERK, Channel.WINDOW, outlet, number)

    @staticmethod
    def hotline(rng: random.Random) -> Actor:
        agent = HOTLINE_AGENTS[rng.randrange(len(HOTLINE_AGENTS))]
        return Actor(kind="staff", id=agent, role=Role.HOTLINE_AGENT, channel=Channel.HOTLINE)

    @staticmethod
    def citizen(person: Person, channel: str, outlet: Outlet | None = None) -> Actor:
        return Actor.citizen(person.pk, channel, outlet_code=outlet.code if outlet else None)

    @staticmethod
    def card_centre(bank_code: str) -> Actor:
        return Actor(
            kind="partner",
            id=f"{bank_code.lower()}-card-centre",
            role=Role.PARTNER,
            channel=Channel.BANK,
            bank_code=bank_code,
        )

    # ---------------------------------------------------------------- steps

    def report_temporary(self, s: Subject, rng: random.Random, channel: str = "") -> LossReport:
        assert s.card is not None
        channel = channel or rng.choice(
            [Channel.HOTLINE, Channel.HOTLINE, Channel.APP, Channel.WEB, Channel.KIOSK]
        )
        outlet = None
        if channel == Channel.HOTLINE:
            actor = self.hotline(rng)
        elif channel == Channel.KIOSK:
            outlet = self.of_type(OutletType.SELF_SERVICE_TERMINAL, s.district, rng)
            actor = self.citizen(s.actor_person, Channel.KIOSK, outlet)
        else:
            actor = self.citizen(s.actor_person, channel)
        outcome = report_loss(
            actor=actor,
            card=s.card,
            kind=LossKind.TEMPORARY,
            reporter=s.actor_person,
            relation=s.acting_relation,
            outlet=outlet,
        )
        return outcome.report

    def report_formal(self, s: Subject, outlet: Outlet, rng: random.Random) -> LossReport:
        assert s.card is not None
        return report_loss(
            actor=self.counter(outlet, rng),
            card=s.card,
            kind=LossKind.FORMAL,
            reporter=s.actor_person,
            relation=s.acting_relation,
            documents=s.documents,
            outlet=outlet,
        ).report

    def lift(
        self, s: Subject, report: LossReport, outlet: Outlet, rng: random.Random, *, reason: str
    ) -> None:
        lift_loss_report(
            actor=self.counter(outlet, rng),
            report=report,
            lifter=s.actor_person,
            relation=s.acting_relation,
            documents=s.documents,
            reason=reason,
            outlet=outlet,
        )

    def apply(
        self, s: Subject, outlet: Outlet, rng: random.Random, **options: Any
    ) -> CardApplication:
        return apply_for_card(
            actor=self.counter(outlet, rng),
            person=s.person,
            applicant=s.actor_person,
            relation=s.acting_relation,
            documents=s.documents,
            outlet=outlet,
            **options,
        )

    def activate(self, s: Subject, card: Card, outlet: Outlet, rng: random.Random) -> None:
        activate_card(
            actor=self.counter(outlet, rng),
            card=card,
            pin=demo_pin_for(s.person),
            documents=s.documents,
            presenter=s.actor_person,
            relation=s.acting_relation,
            outlet=outlet,
        )


def in_tianhe(s: Subject) -> bool:
    return s.district == TIANHE


def elsewhere(s: Subject) -> bool:
    return s.district != TIANHE


def with_instant_bank(s: Subject) -> bool:
    return s.card is not None and s.card.bank is not None and s.card.bank.code in INSTANT_BANKS


def by_legal_guardian(s: Subject) -> bool:
    return s.relation == Relation.LEGAL_GUARDIAN


def sweep() -> None:
    """What time decides each night (lapses, reminders, expiries), as the sweep runs it."""
    run_sweep(DECIDED_BY_TIME)


def wrong_pin(rng: random.Random) -> str:
    while True:
        pin = f"{rng.randrange(10**6):06d}"
        if pin != DEMO_PIN:
            return pin


def demo_pin_for(person: Person) -> str:
    """The demo PIN, unless the rules refuse it for this holder."""
    for pin in (DEMO_PIN, "258369", "369147"):
        try:
            return check_pin_strength(pin, social_security_number=person.social_security_number)
        except ValidationError:
            continue
    raise AssertionError("no demo PIN is allowed")


def mark_history_delivered(before: dt.datetime) -> int:
    """Notifications and webhooks of the demo's past were delivered long ago; only the last
    day's are left for the outbox worker."""
    return OutboxMessage.objects.filter(status=OutboxStatus.PENDING, created_at__lt=before).update(
        status=OutboxStatus.DELIVERED, attempts=1
    )
