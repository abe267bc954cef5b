"""The recent history of a few hundred demo people, played through the real services.

Each story is a generator: it yields the moment of its next step, and the player runs that
step with the clock frozen at that moment. All stories are merged by time, so the audit log,
the application timelines and the outbox read in the order things happened, and the daily
sweep lapses reports and uncollected cards when it would have. Everything a step does goes
through `sscard.cards.services` and `sscard.applications.services`: the demo data obeys the
same rules as real data and its audit chain verifies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.utils import timezone

from sscard.applications.models import ApplicationStatus as A
from sscard.applications.models import CardApplication, Delivery, Production
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.cancellation import cancel_application, lapse_uncollected
from sscard.applications.services.intake import complete_intake, record_intake
from sscard.applications.services.production import issue_instantly, record_production_event
from sscard.cards.models import Card, CardStatus, LossKind, LossReport
from sscard.cards.pins import check_pin_strength
from sscard.cards.services import (
    activate_card,
    expire_cards,
    lapse_due_reports,
    lift_loss_report,
    remind_lapsing_reports,
    report_loss,
    reset_pin,
    verify_pin,
)
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import DomainError, ValidationError
from sscard.demo.bulk import DEMO_PIN, BulkResult
from sscard.demo.guangzhou import DISTRICTS
from sscard.notifications.models import OutboxMessage, OutboxStatus
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.partners.models import Bank
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
        return Actor(
            kind="citizen",
            id=f"person-{person.pk}",
            role=Role.CITIZEN,
            channel=channel,
            outlet_code=outlet.code if outlet else None,
        )

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

    # ---------------------------------------------------------------- stories

    def temporarily_lost(self, s: Subject, rng: random.Random, renew: bool = False) -> Story:
        """Reported lost by phone, online or at a terminal lately: blocked, not yet found."""
        if renew and s.district != TIANHE:
            first = self.at(rng, rng.uniform(5, 6.5))
            yield first
            report = self.report_temporary(s, rng)
            yield self.later(first, rng.uniform(5, 6), rng, "any")
            self.report_temporary(s, rng, report.channel)
            return
        yield self.now - dt.timedelta(hours=rng.uniform(1, 20))
        self.report_temporary(s, rng)

    def temporary_lapses(self, s: Subject, rng: random.Random) -> Story:
        """Reported lost, never followed up: the nightly sweep lapses the report. In 天河区
        the card is then cancelled, and the holder applies for a new one."""
        yield self.at(rng, rng.uniform(22, 30))
        self.report_temporary(s, rng)
        if s.district == TIANHE:
            agency = self.agency(s, rng)
            yield self.at(rng, rng.uniform(2, 6), office=True)
            self.apply(s, agency, rng, type="reissue")

    def found_and_lifted(self, s: Subject, rng: random.Random, online: bool) -> Story:
        start = self.at(rng, rng.uniform(3, 40))
        yield start
        report = self.report_temporary(s, rng, Channel.APP if online else "")
        if online:
            yield self.later(start, rng.uniform(0.05, 0.8), rng, "any")
            lift_loss_report(
                actor=self.citizen(s.actor_person, Channel.APP),
                report=report,
                lifter=s.actor_person,
                relation=s.acting_relation,
                reason="found it at home",
            )
            return
        outlet = self.agency(s, rng, Service.LIFT)
        yield self.later(start, rng.uniform(0.3, 1.2), rng)
        lift_loss_report(
            actor=self.counter(outlet, rng),
            report=report,
            lifter=s.actor_person,
            relation=s.acting_relation,
            documents=s.documents,
            reason="card found",
            outlet=outlet,
        )

    def formally_lost(self, s: Subject, rng: random.Random, converted: bool) -> Story:
        """Reported lost in writing; no reissue applied for yet."""
        assert s.card is not None and s.card.bank is not None
        if rng.random() < 0.5:
            outlet = self.bank_outlet(s.card.bank.code, s.district, rng)
        else:
            outlet = self.agency(s, rng)
        start = self.at(rng, rng.uniform(2, 20), office=not converted)
        yield start
        if converted:
            self.report_temporary(s, rng, Channel.HOTLINE)
            yield self.later(start, rng.uniform(0.2, 1.5), rng)
        self.report_formal(s, outlet, rng)

    def formal_then_found(self, s: Subject, rng: random.Random) -> Story:
        assert s.card is not None and s.card.bank is not None
        outlet = self.bank_outlet(s.card.bank.code, s.district, rng)
        start = self.at(rng, rng.uniform(5, 60), office=True)
        yield start
        report = self.report_formal(s, outlet, rng)
        yield self.later(start, rng.uniform(1, 4), rng)
        lift_loss_report(
            actor=self.counter(outlet, rng),
            report=report,
            lifter=s.actor_person,
            relation=s.acting_relation,
            documents=s.documents,
            reason="card found in a coat pocket",
            outlet=outlet,
        )

    def reissue_withdrawn(self, s: Subject, rng: random.Random) -> Story:
        """Applied for a reissue, then found the card: the application is cancelled."""
        agency = self.agency(s, rng, Service.LIFT)
        start = self.at(rng, rng.uniform(6, 30))
        yield start
        self.report_temporary(s, rng)
        visit = self.later(start, rng.uniform(0.2, 1.5), rng)
        yield visit
        report = self.report_formal(s, agency, rng)
        yield self.soon(visit, 9)
        app = self.apply(s, agency, rng, type="reissue")
        yield self.later(visit, rng.uniform(1, 3), rng)
        cancel_application(
            actor=self.counter(agency, rng), application=app, note="the applicant found the card"
        )
        if rng.random() < 0.6:
            lift_loss_report(
                actor=self.counter(agency, rng),
                report=report,
                lifter=s.actor_person,
                relation=s.acting_relation,
                documents=s.documents,
                reason="card found",
                outlet=agency,
            )

    # How many days ago a story starts, by the status it stops at: room for every step.
    STARTS: dict[str, tuple[float, float]] = {
        A.SUBMITTED: (1, 10),
        A.RECEIPT_ISSUED: (1, 4),
        A.BANK_ACCEPTED: (10, 14),
        A.IN_PRODUCTION: (12, 18),
        A.PRODUCTION_FAILED: (16, 20),
        A.MAILED: (17, 19),
        A.READY_FOR_COLLECTION: (35, 60),
        A.COLLECTED: (40, 80),
        "activated": (40, 300),
        "retried": (50, 120),
        A.LAPSED: (400, 430),
    }

    def card_application(
        self,
        s: Subject,
        rng: random.Random,
        *,
        until: str,
        type: str = "reissue",
        reason: str = "",
        delivery: str = Delivery.PICKUP,
        intake: bool = False,
    ) -> Story:
        """Apply (after a loss, for a replacement or for a first card), then the bank's part up
        to `until`: acceptance, production (failing once if told), readiness or mailing,
        collection, activation."""
        low, high = self.STARTS[until]
        if intake:
            low, high = low + 8, high + 8
        start = self.at(rng, rng.uniform(low, high), office=type != "reissue")
        agency = self.agency(s, rng)
        options: dict[str, str] = {}
        if delivery == Delivery.MAIL:
            options.update(delivery=Delivery.MAIL, mail_address=s.person.address)
        yield start
        if type == "reissue":
            self.report_temporary(s, rng)
            visit = self.later(start, rng.uniform(0.2, 1.8), rng)
            yield visit
            self.report_formal(s, agency, rng)
            visit = self.soon(visit, 9)
            yield visit
            app = self.apply(s, agency, rng, type=type, **options)
        elif intake:
            community = self.of_type(OutletType.COMMUNITY_COMMITTEE, s.district, rng)
            app = record_intake(
                actor=self.staff(Role.COMMUNITY_CLERK, Channel.WINDOW, community),
                type=type,
                person=s.person,
                applicant=s.actor_person,
                relation=s.acting_relation,
                outlet=community,
                note="first card; documents to be checked at the agency",
            )
            if until == A.SUBMITTED:
                return
            visit = self.later(start, rng.uniform(2, 8), rng)
            yield visit
            app = complete_intake(
                actor=self.counter(agency, rng),
                application=app,
                documents=s.documents,
                outlet=agency,
                bank=self.bank_for_new_card(s, rng),
                **options,
            )
        else:
            visit = start
            extra = {"reason": reason} if reason else {}
            app = self.apply(s, agency, rng, type=type, **extra, **options)
        if until != A.RECEIPT_ISSUED:
            yield from self.production(s, app, rng, after=visit, until=until)

    def bank_for_new_card(self, s: Subject, rng: random.Random) -> Bank:
        banks = [o.bank for o in self._outlets(OutletType.BANK_OUTLET, s.district) if o.bank]
        return banks[rng.randrange(len(banks))]

    def production(
        self,
        s: Subject,
        app: CardApplication,
        rng: random.Random,
        *,
        after: dt.datetime,
        until: str,
    ) -> Story:
        """The bank's part: it accepts the receipt at a branch, its card centre makes the card
        overnight, and the branch hands it over."""
        assert app.bank is not None
        branch = self.bank_outlet(app.bank.code, s.district, rng)
        centre = self.card_centre(app.bank.code)
        moment = self.later(after, rng.uniform(1, 3), rng)
        yield moment
        app = record_production_event(
            actor=self.counter(branch, rng),
            application=app,
            type=A.BANK_ACCEPTED,
            outlet=branch,
            note="receipt checked",
        )
        if until == A.BANK_ACCEPTED:
            return
        moment = self.later(moment, 0.5, rng, "night")
        yield moment
        app = record_production_event(actor=centre, application=app, type=A.IN_PRODUCTION)
        if until in (A.PRODUCTION_FAILED, "retried"):
            moment = self.later(moment, rng.uniform(1, 2), rng, "office")
            yield moment
            app = record_production_event(
                actor=centre,
                application=app,
                type=A.PRODUCTION_FAILED,
                note="chip personalisation failed",
            )
            if until == A.PRODUCTION_FAILED:
                return
            moment = self.later(moment, 0.5, rng, "night")
            yield moment
            app = record_production_event(actor=centre, application=app, type=A.IN_PRODUCTION)
        if until == A.IN_PRODUCTION:
            return
        if app.delivery == Delivery.MAIL:
            moment = self.later(moment, rng.uniform(2, 3), rng)
            yield moment
            app = record_production_event(
                actor=centre,
                application=app,
                type=A.MAILED,
                tracking_number=f"SF{rng.randrange(10**12):012d}",
            )
            if until == A.MAILED:
                return
            moment = self.later(moment, rng.uniform(1, 2), rng)
            yield moment
            app = record_production_event(
                actor=centre, application=app, type=A.COLLECTED, note="delivered, signed for"
            )
        else:
            moment = self.later(moment, rng.uniform(10, 15), rng)
            yield moment
            app = record_production_event(
                actor=centre, application=app, type=A.READY_FOR_COLLECTION, outlet=branch
            )
            if until in (A.READY_FOR_COLLECTION, A.LAPSED):
                return  # a lapse is written by the nightly sweep a year later
            moment = self.later(moment, rng.uniform(1, 8), rng)
            yield moment
            app = record_production_event(
                actor=self.counter(branch, rng), application=app, type=A.COLLECTED, outlet=branch
            )
        if until == A.COLLECTED:
            return
        assert app.new_card is not None
        yield self.soon(moment, 6)
        self.activate(s, app.new_card, branch, rng)

    def instant_reissue(self, s: Subject, rng: random.Random) -> Story:
        """Lost, and made on the spot at an equipped bank outlet: activated the same visit."""
        assert s.card is not None and s.card.bank is not None
        outlet = self.instant_outlet(s.card.bank.code)
        assert outlet is not None
        start = self.at(rng, rng.uniform(4, 60))
        yield start
        self.report_temporary(s, rng, Channel.APP)
        visit = self.later(start, rng.uniform(0.2, 1.5), rng)
        yield visit
        self.report_formal(s, outlet, rng)
        app = self.apply(s, outlet, rng, type="reissue", production=Production.INSTANT)
        clerk = self.counter(outlet, rng)
        yield self.soon(visit, 20)
        app = issue_instantly(actor=clerk, application=app, outlet=outlet)
        yield self.soon(visit, 24)
        app = record_production_event(actor=clerk, application=app, type=A.COLLECTED, outlet=outlet)
        assert app.new_card is not None
        yield self.soon(visit, 27)
        self.activate(s, app.new_card, outlet, rng)

    def pin_locked(self, s: Subject, rng: random.Random, reset: bool) -> Story:
        """Wrong PINs at a self-service terminal until the PIN locks; perhaps reset later."""
        assert s.card is not None
        terminal = self.of_type(OutletType.SELF_SERVICE_TERMINAL, s.district, rng)
        actor = self.citizen(s.person, Channel.KIOSK, terminal)
        moment = self.at(rng, rng.uniform(2, 30))
        for attempt in range(10):
            yield self.soon(moment, attempt)
            try:
                verify_pin(actor=actor, card=s.card, pin=wrong_pin(rng))
            except DomainError as refused:
                if refused.code == "pin_locked":
                    break
        if reset:
            agency = self.agency(s, rng, Service.PIN_RESET)
            yield self.later(moment, rng.uniform(0.5, 2), rng)
            reset_pin(
                actor=self.counter(agency, rng),
                card=s.card,
                new_pin=demo_pin_for(s.person),
                documents=s.documents,
                outlet=agency,
            )

    def pin_slip(self, s: Subject, rng: random.Random) -> Story:
        """Two wrong PINs, then the right one: the counter starts again."""
        assert s.card is not None
        terminal = self.of_type(OutletType.SELF_SERVICE_TERMINAL, s.district, rng)
        actor = self.citizen(s.person, Channel.KIOSK, terminal)
        moment = self.at(rng, rng.uniform(1, 20))
        for attempt in range(2):
            yield self.soon(moment, attempt)
            with contextlib.suppress(DomainError):
                verify_pin(actor=actor, card=s.card, pin=wrong_pin(rng))
        yield self.soon(moment, 2)
        verify_pin(actor=actor, card=s.card, pin=demo_pin_for(s.person))

    def nightly_sweeps(self, days: int) -> Story:
        """What `manage.py sweep` does each night; the last run is now."""
        today = timezone.localdate(self.now)
        for back in range(days, 0, -1):
            yield self._local(today - dt.timedelta(days=back), 2 * 60)
            sweep()
        yield self.now - dt.timedelta(seconds=1)
        sweep()

    # ---------------------------------------------------------------- the cast

    def stories(self) -> list[Story]:
        """Who the stories happen to: each drawn once from a pool of the bulk's people."""
        r = self.scale
        half, third = max(1, r // 2), max(1, r // 3)
        adults, minors = "adults_with_card", "minors_with_card"
        expired, no_card, babies = (
            "expired_card_holders",
            "adults_without_card",
            "minors_without_card",
        )
        until = self._until
        cast: list[tuple[str, int, str, Teller, Where | None]] = [
            # Loss reports and lifting.
            ("temporarily lost", r, adults, self.temporarily_lost, None),
            (
                "temporary report renewed",
                half,
                adults,
                partial(self.temporarily_lost, renew=True),
                elsewhere,
            ),
            ("temporary report lapsed", half, adults, self.temporary_lapses, elsewhere),
            (
                "temporary report lapsed, card cancelled (天河区)",
                third,
                adults,
                self.temporary_lapses,
                in_tianhe,
            ),
            (
                "found, lifted at a window",
                half,
                adults,
                partial(self.found_and_lifted, online=False),
                None,
            ),
            (
                "found, lifted online",
                half,
                adults,
                partial(self.found_and_lifted, online=True),
                None,
            ),
            ("formally lost", r, adults, partial(self.formally_lost, converted=False), None),
            (
                "temporary converted to formal",
                half,
                adults,
                partial(self.formally_lost, converted=True),
                None,
            ),
            ("formal report, card found", third, adults, self.formal_then_found, None),
            ("reissue withdrawn", half, adults, self.reissue_withdrawn, None),
            # Reissue after loss, stopped at every stage.
            *[
                (f"reissue: {stage}", r, adults, until(stage), None)
                for stage in (
                    A.RECEIPT_ISSUED,
                    A.BANK_ACCEPTED,
                    A.IN_PRODUCTION,
                    A.PRODUCTION_FAILED,
                    A.READY_FOR_COLLECTION,
                    A.COLLECTED,
                )
            ],
            ("reissue: mailed", half, adults, until(A.MAILED, delivery=Delivery.MAIL), None),
            (
                "reissue: mailed, delivered",
                third,
                adults,
                until(A.COLLECTED, delivery=Delivery.MAIL),
                None,
            ),
            ("reissue: activated", half, adults, until("activated"), None),
            ("reissue: production failed once, retried", 1, adults, until("retried"), None),
            ("reissue: never collected, lapsed", third, adults, until(A.LAPSED), None),
            ("reissue: instant issuance", third, adults, self.instant_reissue, with_instant_bank),
            # Children: the guardian reports, applies, collects and activates.
            ("child's card temporarily lost", half, minors, self.temporarily_lost, None),
            (
                "child's card formally lost",
                third,
                minors,
                partial(self.formally_lost, converted=True),
                None,
            ),
            *[
                (f"child's reissue: {stage}", third, minors, until(stage), None)
                for stage in (
                    A.RECEIPT_ISSUED,
                    A.IN_PRODUCTION,
                    A.READY_FOR_COLLECTION,
                    "activated",
                )
            ],
            (
                "child's reissue by a legal guardian",
                1,
                minors,
                until(A.IN_PRODUCTION),
                by_legal_guardian,
            ),
            # Replacements and first cards.
            (
                "replacement: damaged",
                third,
                adults,
                until(A.READY_FOR_COLLECTION, type="replacement", reason="damaged"),
                None,
            ),
            (
                "replacement: quality fault",
                1,
                adults,
                until(A.IN_PRODUCTION, type="replacement", reason="quality_fault"),
                None,
            ),
            (
                "replacement: expired card",
                third,
                expired,
                until(A.IN_PRODUCTION, type="replacement", reason="expired"),
                None,
            ),
            (
                "replacement: expired card, activated",
                1,
                expired,
                until("activated", type="replacement", reason="expired"),
                None,
            ),
            (
                "first card: intake at a community committee",
                half,
                no_card,
                until(A.SUBMITTED, type="new", intake=True),
                None,
            ),
            (
                "first card: intake completed",
                third,
                no_card,
                until(A.IN_PRODUCTION, type="new", intake=True),
                None,
            ),
            (
                "first card for a baby: intake",
                third,
                babies,
                until(A.SUBMITTED, type="new", intake=True),
                None,
            ),
            (
                "first card for a baby: ready",
                1,
                babies,
                until(A.READY_FOR_COLLECTION, type="new", intake=True),
                None,
            ),
            # PINs: each wrong try is an Argon2 verification, so there are few.
            (
                "PIN locked (天河区: 3 tries)",
                1,
                adults,
                partial(self.pin_locked, reset=False),
                in_tianhe,
            ),
            ("PIN locked (6 tries)", 1, adults, partial(self.pin_locked, reset=False), elsewhere),
            (
                "PIN locked, reset at a window",
                1,
                adults,
                partial(self.pin_locked, reset=True),
                in_tianhe,
            ),
            ("wrong PIN, then the right one", 1, adults, self.pin_slip, in_tianhe),
        ]
        made: list[Story] = []
        for name, count, pool, teller, where in cast:
            for n in range(count):
                subject = self.take(pool, where) or (self.take(pool) if where else None)
                if subject is None:
                    continue
                made.append(teller(subject, random.Random(f"{self.seed}:{name}:{n}")))
                self.played.stories[name] = self.played.stories.get(name, 0) + 1
                self.played.subjects += 1
        made.append(self.nightly_sweeps(14))
        return made

    def _until(self, until: str, **options: Any) -> Teller:
        def story(s: Subject, rng: random.Random) -> Story:
            return self.card_application(s, rng, until=until, **options)

        return story


def in_tianhe(s: Subject) -> bool:
    return s.district == TIANHE


def elsewhere(s: Subject) -> bool:
    return s.district != TIANHE


def with_instant_bank(s: Subject) -> bool:
    return s.card is not None and s.card.bank is not None and s.card.bank.code in INSTANT_BANKS


def by_legal_guardian(s: Subject) -> bool:
    return s.relation == Relation.LEGAL_GUARDIAN


def sweep() -> None:
    lapse_due_reports()
    remind_lapsing_reports()
    lapse_uncollected()
    expire_cards()


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


def run_scenarios(bulk: BulkResult, *, seed: int, scale: int) -> Played:
    scenes = Scenes(bulk, seed=seed, scale=scale)
    stories = scenes.stories()
    scenes.played.steps = play(stories)
    mark_history_delivered(scenes.now - dt.timedelta(days=1))
    return scenes.played
