"""Booking checked records: idempotent by the record's key (person + insurance + month +
employer). The same content again changes nothing; a different one replaces the current version
and keeps the old one in the history. A batch is written with bulk statements (COPY for the new
rows on PostgreSQL), and one audit event tells what it did (never personal data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction

from sscard.audit.services import record_event
from sscard.common import clock
from sscard.common.context import Actor
from sscard.people.models import Person
from sscard.records.feeds import Contribution
from sscard.records.models import ContributionRecord, ContributionVersion, Employer

RETRIES = 3
NULL = "\\N"  # COPY's text for a null
KEY = ("person_id", "insurance", "month", "employer_id")
CONTENT = ("base", "employer_amount", "individual_amount", "status", "paid_on")
COPY_COLUMNS = (
    "person_id",
    "insurance",
    "month",
    "employer_id",
    "base",
    "employer_amount",
    "individual_amount",
    "status",
    "paid_on",
    "version",
    "booked_at",
    "bucket",
)


@dataclass
class Booked:
    created: int = 0
    replaced: int = 0
    unchanged: int = 0

    def add(self, other: Booked) -> None:
        self.created += other.created
        self.replaced += other.replaced
        self.unchanged += other.unchanged


def _employers(contributions: Sequence[Contribution]) -> dict[str, int]:
    """The employers of a batch by credit code, the new ones created (a later name replaces
    an earlier one)."""
    names = {c.credit_code: c.employer_name for c in contributions}
    known = {e.credit_code: e for e in Employer.objects.filter(credit_code__in=list(names))}
    missing = [Employer(credit_code=code, name=name) for code, name in names.items()]
    missing = [e for e in missing if e.credit_code not in known]
    if missing:
        Employer.objects.bulk_create(missing, ignore_conflicts=True)
        known = {e.credit_code: e for e in Employer.objects.filter(credit_code__in=list(names))}
    renamed = [e for code, e in known.items() if e.name != names[code]]
    for employer in renamed:
        employer.name = names[employer.credit_code]
    if renamed:
        Employer.objects.bulk_update(renamed, ["name"])
    return {code: e.pk for code, e in known.items()}


def book(
    contributions: Sequence[Contribution],
    *,
    actor: Actor,
    source: str,
    audit: bool = True,
    detail: dict[str, Any] | None = None,
) -> Booked:
    """Book a batch inside one transaction (the caller's, or its own). The audit event names
    the `source` (at most 32 characters: "api", "import:<id>") and adds `detail`.

    Two feeds creating the same new key at once: the later one's insert fails on the unique
    key, its savepoint is rolled back, and the batch is booked again, now finding the row."""
    if not contributions:
        return Booked()
    for attempt in range(1, RETRIES + 1):
        try:
            return _book(contributions, actor=actor, source=source, audit=audit, detail=detail)
        except IntegrityError:
            if attempt == RETRIES:
                raise
    raise AssertionError("unreachable")


def _book(
    contributions: Sequence[Contribution],
    *,
    actor: Actor,
    source: str,
    audit: bool,
    detail: dict[str, Any] | None,
) -> Booked:
    result = Booked()
    with transaction.atomic():
        # A key sent twice in one batch is booked in order: the later one in a second round,
        # so that the earlier content is kept in the history like any replaced version.
        rounds: list[list[Contribution]] = []
        seen: dict[tuple[int, str, dt.date, str], int] = {}
        for c in contributions:
            key = c.key
            n = seen[key] = seen.get(key, -1) + 1
            if n == len(rounds):
                rounds.append([])
            rounds[n].append(c)
        for batch in rounds:
            result.add(_book_round(batch))
        if audit:
            record_event(
                actor=actor,
                action="contributions.booked",
                object_type="contributions",
                object_id=source,
                before={},
                after={
                    "created": result.created,
                    "replaced": result.replaced,
                    "unchanged": result.unchanged,
                    **(detail or {}),
                },
            )
    return result


def _book_round(contributions: Sequence[Contribution]) -> Booked:
    """Book records of distinct keys."""
    result = Booked()
    employers = _employers(contributions)
    existing: dict[tuple[int, str, dt.date, int], tuple[Any, ...]] = {}
    people = {c.person_id for c in contributions}
    months = {c.month for c in contributions}
    insurances = {c.insurance for c in contributions}
    # Plain tuples, not model instances: most records of a feed are new or unchanged. The
    # insurances too narrow the rows read and locked: a file of one insurance neither reads
    # nor locks the same months' records of the others.
    for row in (
        ContributionRecord.objects.select_for_update()
        .filter(
            person_id__in=sorted(people),
            month__in=sorted(months),
            insurance__in=sorted(insurances),
        )
        .order_by("pk")
        .values_list(*KEY, "pk", *CONTENT, "version", "booked_at", "bucket")
    ):
        existing[row[:4]] = row[4:]
    # The person's bucket on each new record (COPY fills nothing by itself).
    buckets = dict(Person.objects.filter(pk__in=sorted(people)).values_list("pk", "bucket"))
    now = clock.now()
    new: dict[tuple[int, str, dt.date, int], tuple[Any, ...]] = {}
    changed: dict[int, ContributionRecord] = {}
    history: list[ContributionVersion] = []
    for c in contributions:
        key = (c.person_id, c.insurance, c.month, employers[c.credit_code])
        current = existing.get(key)
        if current is None:
            # In the order of COPY_COLUMNS: plain rows, no model instances (most are new).
            new[key] = (
                c.person_id,
                c.insurance,
                c.month,
                key[3],
                c.base,
                c.employer_amount,
                c.individual_amount,
                c.status,
                c.paid_on,
                1,
                now,
                buckets[c.person_id],
            )
            result.created += 1
            continue
        pk, *content, version, booked_at, bucket = current
        if tuple(content) == c.content:
            result.unchanged += 1
            continue
        base, employer_amount, individual_amount, status, paid_on = content
        history.append(
            ContributionVersion(
                record_id=pk,
                bucket=bucket,
                version=version,
                base=base,
                employer_amount=employer_amount,
                individual_amount=individual_amount,
                status=status,
                paid_on=paid_on,
                booked_at=booked_at,
                replaced_at=now,
            )
        )
        changed[pk] = ContributionRecord(
            pk=pk,
            base=c.base,
            employer_amount=c.employer_amount,
            individual_amount=c.individual_amount,
            status=c.status,
            paid_on=c.paid_on,
            version=version + 1,
            booked_at=now,
        )
        result.replaced += 1
    _insert(list(new.values()))
    if history:
        ContributionVersion.objects.bulk_create(history, batch_size=2000)
    if changed:
        ContributionRecord.objects.bulk_update(
            list(changed.values()), [*CONTENT, "version", "booked_at"], batch_size=1000
        )
    return result


def _insert(rows: list[tuple[Any, ...]]) -> None:
    """New records, each a tuple in the order of COPY_COLUMNS."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        ContributionRecord.objects.bulk_create(
            [ContributionRecord(**dict(zip(COPY_COLUMNS, row, strict=True))) for row in rows],
            batch_size=500,
        )
        return
    table = ContributionRecord._meta.db_table
    columns = ", ".join(COPY_COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no COPY
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(_copy_text(rows))


def _copy_text(rows: list[tuple[Any, ...]]) -> str:
    """The rows in COPY's text format, written here rather than row by row by psycopg (its
    per-row formatting costs more than the rest of a record's booking). Nothing to escape: the
    texts are an insurance and a status, checked against their fixed values; the amounts are
    plain decimals, the dates and times in ISO format, each distinct one formatted once."""
    iso: dict[Any, str] = {None: NULL}
    lines = []
    for row in rows:
        person, insurance, month, employer, base, part, own, status, paid, version, at, bucket = row
        month_text = iso.get(month) or iso.setdefault(month, month.isoformat())
        paid_text = iso.get(paid) or iso.setdefault(paid, paid.isoformat())
        at_text = iso.get(at) or iso.setdefault(at, at.isoformat())
        lines.append(
            f"{person}\t{insurance}\t{month_text}\t{employer}\t{base:f}\t{part:f}\t{own:f}\t"
            f"{status}\t{paid_text}\t{version}\t{at_text}\t{bucket}\n"
        )
    return "".join(lines)
