"""The plan of the demo's bulk data, made in memory with one seeded generator so that every run
makes the same people, guardianships and cards: ages after Guangzhou's pyramid, districts by
population, ID numbers with the region code of the year they were assigned, parents, court
guardians, and each person's cards."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

from django.conf import settings

from sscard.cards.models import BankStatus, CardStatus
from sscard.common import clock
from sscard.demo import guangzhou as gz
from sscard.people.generate import make_citizen_id
from sscard.people.models import (
    GuardianshipBasis,
    Relation,
)

SEED = 20_120_101
DEMO_PIN = "147258"
# Marks a database whose people came from `sscard demo`, the only kind `demo --force` may wipe.
DEMO_MARK = "demo_loaded"

ADULT, MINOR, TEEN = 0, 1, 2
NORMAL_CARD, EXPIRED_CARD, REISSUED_CARD, NO_CARD = 0, 1, 2, 3
# Plain strings: psycopg would dump an Enum member by its name.
NORMAL, EXPIRED, CANCELLED = (
    CardStatus.NORMAL.value,
    CardStatus.EXPIRED.value,
    CardStatus.CANCELLED.value,
)
BANK_NORMAL, BANK_CLOSED = BankStatus.NORMAL.value, BankStatus.CLOSED.value
PARENT, LEGAL_GUARDIAN = Relation.PARENT.value, Relation.LEGAL_GUARDIAN.value
MINOR_BASIS = GuardianshipBasis.MINOR.value
COURT_FINDING = GuardianshipBasis.COURT_FINDING.value
DESIGNATION = GuardianshipBasis.DESIGNATION.value
# Adult age bands at the anchor date and their shares, roughly Guangzhou's age pyramid.
ADULT_BANDS = ((18, 29, 17), (30, 39, 23), (40, 49, 20), (50, 59, 18), (60, 69, 13), (70, 86, 9))


@dataclass(slots=True)
class PlannedCard:
    person: PlannedPerson
    issued_on: dt.date
    generation: int
    status: str
    bank_status: str
    bank: gz.BankSpec
    account_number: str
    created_at: dt.datetime
    updated_at: dt.datetime
    identification_code: str
    id: int = 0
    serial: int = 0


class PlannedLink(NamedTuple):
    guardian: PlannedPerson
    relation: str
    basis: str = MINOR_BASIS
    document: str = ""
    ends_on: dt.date | None = None


@dataclass(slots=True)
class PlannedPerson:
    index: int
    kind: int
    birth: dt.date
    male: bool
    district: gz.District
    surname: int
    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    ssn: str = ""
    created_at: dt.datetime | None = None
    plan: int = 0
    guardians: list[PlannedLink] = field(default_factory=list)
    cards: list[PlannedCard] = field(default_factory=list)
    id: int = 0


def anchor_date(today: dt.date | None = None) -> dt.date:
    """The bulk history ends before 1 January of this year: the same people all year round."""
    day = today or clock.today()
    return dt.date(day.year, 1, 1)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _cumulative(weights: Iterable[int]) -> list[int]:
    return list(itertools.accumulate(weights))


class _Weighted:
    """A fast weighted choice over a fixed population."""

    def __init__(self, rng: random.Random, weights: Sequence[int]) -> None:
        self._random = rng.random
        self._cum = _cumulative(weights)
        self._total = self._cum[-1]

    def index(self) -> int:
        return bisect.bisect_right(self._cum, self._random() * self._total)


class Planner:
    """Plans the people and their cards. Deterministic for a given seed, size and anchor."""

    def __init__(
        self,
        *,
        people: int,
        seed: int = SEED,
        anchor: dt.date,
        block: int = 0,
        id_serials: dict[tuple[str, dt.date, bool], tuple[int, int]] | None = None,
    ) -> None:
        """`block` > 0 plans a further block of a large demo, from generators of its own;
        `id_serials` carries the ID numbers' sequences from the blocks before (no duplicates)."""
        self.n = people
        self.anchor = anchor
        tag = f"{seed}" if block == 0 else f"{seed}.{block}"
        self.rng = random.Random(f"{tag}:people")
        self.card_rng = random.Random(f"{tag}:cards")
        self.court_rng = random.Random(f"{tag}:court")
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.district_pick = _Weighted(self.rng, [d.weight for d in gz.DISTRICTS])
        self.surname_pick = _Weighted(self.rng, [w for _, _, w in gz.SURNAMES])
        self.band_pick = _Weighted(self.rng, [w for _, _, w in ADULT_BANDS])
        self.bank_pick = _Weighted(self.card_rng, [b.weight for b in gz.BANKS])
        self._rand = self.rng.random
        self._bands = [
            (_years_before(anchor, high + 1) + dt.timedelta(days=1), _years_before(anchor, low))
            for low, high, _ in ADULT_BANDS
        ]
        self._card_rand = self.card_rng.random
        self.people: list[PlannedPerson] = []
        self.cards: list[PlannedCard] = []
        self._id_serials = {} if id_serials is None else id_serials

    # Faster than randrange and randint, and as deterministic.
    def _below(self, n: int) -> int:
        return int(self._rand() * n)

    def _between(self, low: int, high: int) -> int:
        return low + int(self._rand() * (high - low + 1))

    def _card_below(self, n: int) -> int:
        return int(self._card_rand() * n)

    # -------------------------------------------------------------- people

    def _birth_between(self, oldest: dt.date, youngest: dt.date) -> dt.date:
        span = (youngest - oldest).days
        return oldest + dt.timedelta(days=self._below(max(span, 0) + 1))

    def _adult_birth(self) -> dt.date:
        return self._birth_between(*self._bands[self.band_pick.index()])

    def plan_people(self, tick: Callable[[int], object] = lambda n: None) -> None:
        rng, anchor = self.rng, self.anchor
        minor_oldest = _years_before(anchor, 15)
        teen_oldest = _years_before(anchor, 18) + dt.timedelta(days=1)
        for index in range(self.n):
            r = rng.random()
            if r < 0.15:
                kind = MINOR
                birth = self._birth_between(minor_oldest, anchor - dt.timedelta(days=1))
            elif r < 0.175:
                kind = TEEN
                birth = self._birth_between(teen_oldest, minor_oldest - dt.timedelta(days=1))
            else:
                kind, birth = ADULT, self._adult_birth()
            person = PlannedPerson(
                index=index,
                kind=kind,
                birth=birth,
                male=rng.random() < 0.51,
                district=gz.DISTRICTS[self.district_pick.index()],
                surname=self.surname_pick.index(),
            )
            self.people.append(person)
            if index % 10_000 == 9_999:
                tick(10_000)
        tick(self.n % 10_000)
        adults = [p for p in self.people if p.kind == ADULT]
        for person in adults:
            person.address = self._address(person.district)
            person.phone = self._phone()
        by_year: dict[tuple[int, bool], list[PlannedPerson]] = {}
        for person in adults:
            by_year.setdefault((person.birth.year, person.male), []).append(person)
        for person in self.people:
            if person.kind != ADULT:
                self._give_guardians(person, by_year, adults)
        self._give_court_guardians(adults, by_year)
        for person in self.people:
            self._name_and_contact(person)
            self._citizen_id(person)
        self._register()

    def _parent(
        self,
        child: PlannedPerson,
        by_year: dict[tuple[int, bool], list[PlannedPerson]],
        male: bool,
        gaps: tuple[int, int],
    ) -> PlannedPerson | None:
        years = list(range(child.birth.year - gaps[1], child.birth.year - gaps[0] + 1))
        first = self._below(len(years))
        for year in years[first:] + years[:first]:
            found = by_year.get((year, male))
            if found:
                return found[self._below(len(found))]
        return None

    def _give_guardians(
        self,
        child: PlannedPerson,
        by_year: dict[tuple[int, bool], list[PlannedPerson]],
        adults: list[PlannedPerson],
    ) -> None:
        rng = self.rng
        if rng.random() < 0.05:
            # A grandparent or other relative appointed legal guardian.
            guardian = self._parent(child, by_year, rng.random() < 0.5, (40, 70))
            guardian = guardian or adults[self._below(len(adults))]
            child.guardians.append(PlannedLink(guardian, LEGAL_GUARDIAN))
        else:
            father = self._parent(child, by_year, True, (22, 45)) if rng.random() < 0.9 else None
            mother = self._parent(child, by_year, False, (20, 42))
            if father is not None and mother is not None and rng.random() < 0.3:
                mother = None  # the other parent is not recorded
            for parent in (father, mother):
                if parent is not None:
                    child.guardians.append(PlannedLink(parent, PARENT))
            if not child.guardians:
                older = [a for a in adults if a.birth.year <= child.birth.year - 20]
                pool = older or adults
                child.guardians.append(PlannedLink(pool[self._below(len(pool))], PARENT))
        first = child.guardians[0][0]
        if child.guardians[0][1] == PARENT:
            child.surname = first.surname
        child.district, child.address = first.district, first.address

    def _give_court_guardians(
        self, adults: list[PlannedPerson], by_year: dict[tuple[int, bool], list[PlannedPerson]]
    ) -> None:
        """A few adults are wards on a legal basis (Civil Code art. 24-31): old people whose
        child a court designated, and young adults a court found without capacity, in their
        parent's care; each with the court's document, some with an end."""
        rng, anchor = self.court_rng, self.anchor
        guarding = {link.guardian.index for p in self.people for link in p.guardians}
        old = [a for a in adults if anchor.year - a.birth.year >= 78 and a.index not in guarding]
        young = [a for a in adults if anchor.year - a.birth.year <= 24 and a.index not in guarding]
        wanted = max(3, round(0.004 * len(adults)))
        chosen = rng.sample(old, min(len(old), (wanted + 1) // 2))
        chosen += rng.sample(young, min(len(young), wanted - len(chosen)))
        wards = {ward.index for ward in chosen}
        for ward in chosen:
            elder = anchor.year - ward.birth.year >= 78
            years = [ward.birth.year + (g if elder else -g) for g in range(22, 46)]
            rng.shuffle(years)
            # The first of the years' people who is not a ward himself (a draw each year).
            guardian: PlannedPerson | None = None
            for year in years:
                pool = by_year.get((year, rng.random() < 0.5), [])
                if guardian is None:
                    guardian = next((p for p in pool if p.index not in wards), None)
            if guardian is None:
                continue
            judged = anchor.year - 1 - rng.randrange(6)
            if not elder:  # a finding asked for when the child came of age, or after
                judged = max(judged, ward.birth.year + 18)
                ward.surname = guardian.surname
            court = f"({judged})粤{ward.district.code[2:]}民特"
            ward.guardians.append(
                PlannedLink(
                    guardian,
                    LEGAL_GUARDIAN if elder else PARENT,
                    DESIGNATION if elder else COURT_FINDING,
                    f"{court}{rng.randint(1, 400)}号",
                    add_years(anchor, 1 + rng.randrange(4)) if rng.random() < 0.3 else None,
                )
            )

    def _address(self, district: gz.District) -> str:
        road = district.roads[self._below(len(district.roads))]
        house = gz.HOUSING[self._below(len(gz.HOUSING))].format(
            b=self._between(1, 12), r=f"{self._between(1, 32)}{self._between(1, 8):02d}"
        )
        return f"广州市{district.name}{road}{self._between(1, 999)}{house}"

    def _phone(self) -> str:
        prefix = gz.MOBILE_PREFIXES[self._below(len(gz.MOBILE_PREFIXES))]
        return f"{prefix}{self._below(100_000_000):08d}"

    def _name_and_contact(self, person: PlannedPerson) -> None:
        rng = self.rng
        surname, surname_py, _ = gz.SURNAMES[person.surname]
        chars = gz.GIVEN_MALE if person.male else gz.GIVEN_FEMALE
        first = chars[self._below(len(chars))]
        if rng.random() < 0.2:
            given, given_py = first[0], first[1]
        else:
            second = chars[self._below(len(chars))]
            given, given_py = first[0] + second[0], first[1] + second[1]
        person.name = surname + given
        age = self.anchor.year - person.birth.year
        if person.kind != ADULT:
            guardian = person.guardians[0][0]
            person.phone = self._phone() if age >= 12 and rng.random() < 0.7 else guardian.phone
        if age >= 14 and rng.random() < 0.35:
            domain = gz.EMAIL_DOMAINS[self._below(len(gz.EMAIL_DOMAINS))]
            style = self._below(3)
            if style == 0:
                local = f"{surname_py}{given_py}{person.birth:%y}"
            elif style == 1:
                local = f"{given_py}.{surname_py}{self._between(1, 99)}"
            else:
                local = f"{self._between(10_000_000, 3_999_999_999)}"
            person.email = f"{local}@{domain}"

    def _citizen_id(self, person: PlannedPerson) -> None:
        """A unique ID: the 3-digit sequence counts people of one sex born one day in one place,
        from a random start. Its region is that of the registration when it was assigned."""
        birth = person.birth
        while True:
            region = person.district.id_region_for(gz.id_assigned_in(birth.year, person.index))
            key = (region, birth, person.male)
            start, used = self._id_serials.get(key, (-1, 0))
            if used < 500:
                break
            birth -= dt.timedelta(days=1)  # 500 of one sex born in one place on one day
        if start < 0:
            start = self._below(500)
        self._id_serials[key] = (start, used + 1)
        person.ssn = make_citizen_id(region, birth, start + used, male=person.male)
        person.birth = birth

    # -------------------------------------------------------------- cards

    def _moment(self, day: dt.date, hour: int, minutes: int) -> dt.datetime:
        start = dt.datetime.combine(day, dt.time(hour), tzinfo=self.tz)
        return start + dt.timedelta(minutes=minutes)

    def _day_between(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self._below(max((last - first).days, 0) + 1))

    def _register(self) -> None:
        """Who holds which cards (exact shares, so small demos have every kind), and when each
        person was registered: a card is issued within a month of that."""
        rng, anchor = self.rng, self.anchor
        latest = anchor - dt.timedelta(days=20)
        nine, ten, twelve = (_years_before(anchor, y) for y in (9, 10, 12))
        three = _years_before(anchor, 3)
        adults = [p for p in self.people if p.kind == ADULT]
        chosen = rng.sample(range(len(adults)), min(len(adults), self._share(len(adults))))
        k_expired = max(4, round(0.006 * len(adults)))
        k_none = max(3, round(0.015 * len(adults)))
        for rank, index in enumerate(chosen):
            adults[index].plan = (
                EXPIRED_CARD
                if rank < k_expired
                else NO_CARD
                if rank < k_expired + k_none
                else REISSUED_CARD
            )
        young = [p for p in self.people if p.kind != ADULT]
        for index in rng.sample(range(len(young)), min(len(young), max(2, len(young) * 3 // 100))):
            young[index].plan = NO_CARD
        for person in self.people:
            earliest = max(person.birth + dt.timedelta(days=60), nine)
            if person.plan == EXPIRED_CARD:
                first = max(person.birth + dt.timedelta(days=60), twelve)
                day = self._day_between(first, ten - dt.timedelta(days=26))
            elif person.plan == REISSUED_CARD and earliest < latest - dt.timedelta(days=430):
                day = self._day_between(earliest, latest - dt.timedelta(days=430))
            elif person.plan != NO_CARD and earliest <= latest - dt.timedelta(days=25):
                person.plan = NORMAL_CARD
                day = self._day_between(earliest, latest - dt.timedelta(days=25))
            else:
                person.plan = NO_CARD
                day = self._day_between(max(person.birth, three), anchor - dt.timedelta(days=1))
            person.created_at = self._moment(day, 9, self._below(480))

    @staticmethod
    def _share(adults: int) -> int:
        return max(4, round(0.006 * adults)) + max(3, round(0.015 * adults)) + adults // 40

    def _new_card(
        self,
        person: PlannedPerson,
        issued_on: dt.date,
        *,
        generation: int = 1,
        status: str = NORMAL,
        bank_status: str = BANK_NORMAL,
        bank: gz.BankSpec | None = None,
        account_number: str = "",
    ) -> PlannedCard:
        bank = bank or gz.BANKS[self.bank_pick.index()]
        created = self._moment(issued_on, 9, self._card_below(480))
        card = PlannedCard(
            person=person,
            issued_on=issued_on,
            generation=generation,
            status=status,
            bank_status=bank_status,
            bank=bank,
            account_number=account_number or f"{bank.bin}{self._card_below(10**13):013d}",
            created_at=created,
            updated_at=created,
            # Region, issue date and 72 random bits: the codes of one place and day sort
            # together, which keeps the unique index's inserts local (3x faster at 1M cards).
            identification_code=(
                f"{person.district.code}{issued_on:%Y%m%d}{self.card_rng.getrandbits(72):018X}"
            ),
        )
        person.cards.append(card)
        return card

    def plan_cards_of(self, person: PlannedPerson) -> None:
        """The person's cards, issued within a month of registration."""
        if person.plan == NO_CARD:
            return
        assert person.created_at is not None
        registered = person.created_at.date()
        issued = registered + dt.timedelta(days=self._card_below(26))
        if person.plan == EXPIRED_CARD:
            self._new_card(person, issued, status=EXPIRED)  # ten years on, never renewed
        elif person.plan == REISSUED_CARD:
            # Lost once: the first card was cancelled when the bank accepted the reissue.
            old = self._new_card(person, issued, status=CANCELLED, bank_status=BANK_CLOSED)
            again = issued + dt.timedelta(days=20 + self._card_below(381))
            self._new_card(
                person, again, generation=2, bank=old.bank, account_number=old.account_number
            )
            old.updated_at = self._moment(again - dt.timedelta(days=15), 10, 0)
        else:
            self._new_card(person, issued)

    # -------------------------------------------------------------- numbering

    def number_people(self, first_id: int) -> None:
        """Ids follow registration time, as they would (a stable sort: ties keep their order)."""
        self.people.sort(key=attrgetter("created_at"))
        for offset, person in enumerate(self.people):
            person.id = first_id + offset

    def number_cards(self, *, first_id: int, first_serial: int) -> None:
        """Card numbers follow issue time."""
        cards = [c for p in self.people for c in p.cards]
        cards.sort(key=attrgetter("created_at"))
        for offset, card in enumerate(cards):
            card.id = first_id + offset
            card.serial = first_serial + offset
        self.cards = cards


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def candidates(planner: Planner) -> dict[str, list[int]]:
    """The people the scenarios may pick from, by pool: settled adults and minors with a card,
    people without one, holders of an expired card."""
    settled = _years_before(planner.anchor, 2)
    found: dict[str, list[int]] = {
        "adults_with_card": [],
        "minors_with_card": [],
        "adults_without_card": [],
        "minors_without_card": [],
        "expired_card_holders": [],
    }
    for p in planner.people:
        # Adults who are wards (on a court's finding or a designation) are left to the guardian.
        adult = p.kind == ADULT and planner.anchor.year - p.birth.year >= 20 and not p.guardians
        if not p.cards:
            if adult:
                found["adults_without_card"].append(p.id)
            elif p.kind == MINOR:
                found["minors_without_card"].append(p.id)
            continue
        card = p.cards[-1]
        if card.status == EXPIRED and adult:
            found["expired_card_holders"].append(p.id)
        elif card.status == NORMAL and card.issued_on <= settled:
            if adult:
                found["adults_with_card"].append(p.id)
            elif p.kind == MINOR and p.guardians:
                found["minors_with_card"].append(p.id)
    return found
