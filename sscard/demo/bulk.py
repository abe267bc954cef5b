"""The bulk part of the demo data: people, guardianships and cards, fast.

Rows are planned in memory with one seeded generator, so every run makes the same people and
cards, then streamed into the database: COPY through psycopg 3 on PostgreSQL, large
`executemany` batches on SQLite, in one transaction. This is history that predates the
service (cards issued years ago), so it is written as rows, not through the services, and
leaves no audit events; everything that happens later goes through the services
(`scenarios.py`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction
from tqdm import tqdm

from sscard.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from sscard.audit.services import GENESIS
from sscard.cards.models import Card
from sscard.cards.numbers import card_number_for
from sscard.cards.pins import hash_pin
from sscard.common.models import Sequence as NamedSequence
from sscard.common.models import restart
from sscard.demo import guangzhou as gz
from sscard.demo.planning import DEMO_PIN, SEED, Planner, add_years, anchor_date, candidates
from sscard.partners.models import Bank
from sscard.people.buckets import bucket_of
from sscard.people.models import (
    Guardianship,
    Person,
    new_person_reference,
)

NUMBERED_SEQUENCES = ("card_number", "receipt", "card_application", "loss_report")
# People planned and written at once: the memory of the load (about 1.5 GB at this size).
BLOCK = 1_000_000

PERSON_COLUMNS = (
    "id",
    "reference",
    "social_security_number",
    "name",
    "sex",
    "birth_date",
    "region_code",
    "phone",
    "email",
    "address",
    "language",
    "created_at",
    "bucket",
)
GUARDIANSHIP_COLUMNS = (
    "id",
    "guardian_id",
    "ward_id",
    "relation",
    "basis",
    "document",
    "ends_on",
    "created_at",
    "ended_at",
    "end_reason",
    "bucket",
)
CARD_COLUMNS = (
    "id",
    "number",
    "identification_code",
    "person_id",
    "issuing_region_code",
    "issued_on",
    "expires_on",
    "bank_id",
    "account_number",
    "generation",
    "status",
    "bank_status",
    "lost_until",
    "lapse_action",
    "lapse_unfreezes_bank",
    "status_before_loss",
    "pin_hash",
    "wrong_pins",
    "created_at",
    "updated_at",
    "bucket",
)


@dataclass
class BulkResult:
    """What was loaded, and the people the scenarios may pick from (person ids)."""

    people: int
    guardianships: int
    cards: int
    last_card_serial: int
    anchor: dt.date
    adults_with_card: list[int]
    minors_with_card: list[int]
    adults_without_card: list[int]
    minors_without_card: list[int]
    expired_card_holders: list[int]
    # Seconds spent in each stage of the load, all blocks together (planning, people, ...).
    seconds: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- writing


class _Writer:
    """Streams rows into one table: COPY on PostgreSQL, executemany batches elsewhere."""

    BATCH = 20_000

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        concrete = {f.column for f in model._meta.concrete_fields}
        if concrete != set(columns):
            raise RuntimeError(
                f"the demo loader for {model._meta.label} is out of date with the model: "
                f"missing {sorted(concrete - set(columns))}, "
                f"unknown {sorted(set(columns) - concrete)}"
            )
        self.table = model._meta.db_table
        self.columns = columns
        fields = {f.column: f for f in model._meta.concrete_fields}
        self.datetimes = [
            i for i, c in enumerate(columns) if isinstance(fields[c], models.DateTimeField)
        ]
        self.dates = [
            i
            for i, c in enumerate(columns)
            if isinstance(fields[c], models.DateField)
            and not isinstance(fields[c], models.DateTimeField)
        ]

    def write(self, rows: Iterable[tuple[object, ...]], progress: Callable[[int], object]) -> int:
        if connection.vendor == "postgresql":
            return self._copy(rows, progress)
        return self._insert(rows, progress)

    def _copy(self, rows: Iterable[tuple[object, ...]], progress: Callable[[int], object]) -> int:
        quote = connection.ops.quote_name
        sql = f"COPY {quote(self.table)} ({', '.join(map(quote, self.columns))}) FROM STDIN"
        count = 0
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
                if count % self.BATCH == 0:
                    progress(self.BATCH)
        progress(count % self.BATCH)
        return count

    def _insert(self, rows: Iterable[tuple[object, ...]], progress: Callable[[int], object]) -> int:
        quote = connection.ops.quote_name
        marks = ", ".join(["%s"] * len(self.columns))
        sql = (
            f"INSERT INTO {quote(self.table)} ({', '.join(map(quote, self.columns))}) "
            f"VALUES ({marks})"
        )
        adapt = connection.ops.adapt_datetimefield_value
        adapted: dict[object, object] = {}

        def adapt_dt(value: Any) -> object:
            # Many rows share a moment (the demo's records are booked at one): adapted once.
            if value not in adapted:
                adapted[value] = adapt(value)
            return adapted[value]

        count = 0
        with connection.cursor() as cursor:
            for batch in _batched(rows, self.BATCH):
                values: list[list[Any]] = []
                for row in batch:
                    items = list(row)
                    for i in self.datetimes:
                        items[i] = adapt_dt(items[i])
                    for i in self.dates:
                        items[i] = None if items[i] is None else str(items[i])
                    values.append(items)
                cursor.executemany(sql, values)
                count += len(values)
                progress(len(values))
        return count


def _batched(rows: Iterable[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _person_rows(planner: Planner) -> Iterator[tuple[object, ...]]:
    """The people, planning each one's cards on the way: the database indexes the rows
    while Python plans."""
    for p in planner.people:
        planner.plan_cards_of(p)
        sex = "M" if p.male else "F"
        # One person in ten reads English, so both message languages show in the demo.
        language = "en" if p.id % 10 == 7 else "zh-hans"
        # The reference is random, not drawn from the seed: it must not be computable.
        yield (p.id, new_person_reference(), p.ssn, p.name, sex, p.birth, p.ssn[:6], p.phone,
               p.email, p.address, language, p.created_at, bucket_of(p.ssn))  # fmt: skip


def _guardianship_rows(planner: Planner, first_id: int) -> Iterator[tuple[object, ...]]:
    next_id = first_id
    for ward in planner.people:
        for guardian, relation, basis, document, ends_on in ward.guardians:
            assert ward.created_at is not None and guardian.created_at is not None
            yield (
                next_id,
                guardian.id,
                ward.id,
                relation,
                basis,
                document,
                ends_on,
                max(ward.created_at, guardian.created_at),
                None,
                "",
                bucket_of(ward.ssn),
            )
            next_id += 1


def _card_rows(
    planner: Planner, bank_ids: dict[str, int], pin_hash: str, validity: dict[str, int]
) -> Iterator[tuple[object, ...]]:
    for c in planner.cards:
        region = c.person.district.code
        yield (
            c.id,
            card_number_for(c.serial),
            c.identification_code,
            c.person.id,
            region,
            c.issued_on,
            add_years(c.issued_on, validity[region]),
            bank_ids[c.bank.code],
            c.account_number,
            c.generation,
            c.status,
            c.bank_status,
            None,
            "",
            False,
            "",
            pin_hash,
            0,
            c.created_at,
            c.updated_at,
            bucket_of(c.person.ssn),
        )


def _next_id(model: type[models.Model]) -> int:
    highest = model._default_manager.aggregate(highest=models.Max("pk"))["highest"]
    return (highest or 0) + 1


def load_people_and_cards(
    *, people: int, seed: int = SEED, progress: bool = True, block: int = BLOCK
) -> BulkResult:
    """Plan and write `people` people, their guardianships and cards, `block` people at a time.

    Each block is planned in memory, written by COPY and committed before the next is planned,
    so memory stays that of one block. Up to `block` people this is one block in one
    transaction, the same rows as always for the seed; a larger demo continues with further
    blocks, each planned from generators of its own (guardians come from the same block), with
    ids and card numbers following on and ID numbers never repeated. The scenarios' candidates
    are the first block's.
    """
    from sscard.policy.selectors import policy_for_region

    anchor = anchor_date()
    bank_ids = dict(
        Bank.objects.filter(code__in=[b.code for b in gz.BANKS]).values_list("code", "id")
    )
    validity = {d.code: policy_for_region(d.code).card_validity_years for d in gz.DISTRICTS}
    pin_hash = hash_pin(DEMO_PIN)
    blocks = max(1, -(-people // block))
    id_serials: dict[tuple[str, dt.date, bool], tuple[int, int]] = {}
    loaded = _Loaded()
    found: dict[str, list[int]] = {}
    quiet = None if progress else True  # None: a bar only on a terminal
    with tqdm(
        total=people,
        desc="people",
        unit=" people",
        unit_scale=True,
        disable=quiet,
    ) as bar:
        for number in range(blocks):
            size = min(block, people - number * block)
            planner = Planner(
                people=size, seed=seed, anchor=anchor, block=number, id_serials=id_serials
            )

            def stage(what: str, number: int = number) -> None:
                loaded.clock(what)
                bar.set_postfix_str(f"block {number + 1}/{blocks}: {what}")

            stage("planning")
            planner.plan_people()
            _write_block(planner, loaded, bank_ids, pin_hash, validity, bar.update, stage)
            if number == 0:
                found = candidates(planner)
            del planner
    loaded.clock("analyze")
    analyze()
    loaded.clock("")
    return BulkResult(
        people=loaded.people,
        guardianships=loaded.guardianships,
        cards=loaded.cards,
        last_card_serial=loaded.last_card_serial,
        anchor=anchor,
        **found,
        seconds={what: round(took, 1) for what, took in loaded.seconds.items()},
    )


@dataclass
class _Loaded:
    people: int = 0
    guardianships: int = 0
    cards: int = 0
    last_card_serial: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    _stage: str = ""
    _since: float = 0.0

    def clock(self, stage: str) -> None:
        """The stage that begins now ("" for none): the one before is added its time."""
        now = time.monotonic()
        if self._stage:
            self.seconds[self._stage] = self.seconds.get(self._stage, 0.0) + now - self._since
        self._stage, self._since = stage, now


def _write_block(
    planner: Planner,
    loaded: _Loaded,
    bank_ids: dict[str, int],
    pin_hash: str,
    validity: dict[str, int],
    tick: Callable[[int], object],
    stage: Callable[[str], object],
) -> None:
    """Number and write one planned block in one transaction; `tick` counts its people."""
    with transaction.atomic():
        counter, _ = NamedSequence.objects.select_for_update().get_or_create(name="card_number")
        planner.number_people(_next_id(Person))
        first_guardianship = _next_id(Guardianship)
        stage("people")
        _Writer(Person, PERSON_COLUMNS).write(_person_rows(planner), tick)
        stage("guardianships")
        guardianships = _Writer(Guardianship, GUARDIANSHIP_COLUMNS).write(
            _guardianship_rows(planner, first_guardianship), _ignore
        )
        planner.number_cards(first_id=_next_id(Card), first_serial=counter.value + 1)
        stage("cards")
        cards = _Writer(Card, CARD_COLUMNS).write(
            _card_rows(planner, bank_ids, pin_hash, validity), _ignore
        )
        last_serial = planner.cards[-1].serial if planner.cards else counter.value
        NamedSequence.objects.filter(name="card_number").update(value=last_serial)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Person, Guardianship, Card]):
                cursor.execute(sql)
        stage("commit")
    loaded.people += len(planner.people)
    loaded.guardianships += guardianships
    loaded.cards += cards
    loaded.last_card_serial = last_serial


def _ignore(n: int) -> None:
    pass


def analyze() -> None:
    """Fresh planner statistics: the status lookup must not wait for autovacuum."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (Person, Guardianship, Card):
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


def demo_models() -> list[type[models.Model]]:
    """People, the audit log, and every table that points at them, directly or not."""
    found: list[type[models.Model]] = [Person, AuditEvent]
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in found:
                continue
            if any(
                f.is_relation and f.many_to_one and f.related_model in found
                for f in model._meta.concrete_fields
            ):
                found.append(model)
                changed = True
    return found


def wipe() -> list[str]:
    """Remove the demo's people, cards, applications, outbox and audit log; reset numbering.

    Outlets, banks and policies stay: they are reference data, updated in place.
    """
    targets = demo_models()
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A load earlier in the same transaction leaves its foreign keys to check at the
            # commit: checked now, as TRUNCATE refuses tables with checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            tables = ", ".join(quote(m._meta.db_table) for m in targets)
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY")
        else:
            for model in reversed(targets):
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
        AuditCheckpoint.objects.all().delete()
        AuditHead.objects.all().delete()
        AuditHead.objects.create(bucket=0, seq=0, hash=GENESIS)
        restart(NUMBERED_SEQUENCES)
    return [m._meta.label for m in targets]
