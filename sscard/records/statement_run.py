"""The yearly statements run (`sscard records statements --year Y`): every person with records
in the year gets their statement and a message that it is ready, in their language.

`queue_statements` writes one `YearlyStatement` row per person and year (pending; a row already
there is kept as it is) and queues the background task. `make_statements` works through the
rows in chunks, each chunk in two steps, each one transaction:

1. made: the statement's figures are drawn and their digest kept (the PDF is made on demand
   when the person asks for it: `statements`);
2. notified: under the rows' lock, for each row still `made`, the outbox message
   (`statement_ready`) is written and the row becomes `notified`, in the same transaction.

A run stopped anywhere (a crash, the worker killed) goes on from the rows when it runs again,
by the worker's next task or the command run again: a row is notified once, as its message is
written with its step, so nobody is told twice.

A run whose task is gone goes on by itself: the sweep's job `resume_stalled_runs` finds a year
with rows left, no task waiting or running for it, and no row moved for
STATEMENT_RUN_STALLED_AFTER_SECONDS, and queues its task again. A task a killed worker had
taken stays `RUNNING` in the queue for ever (the queue keeps no lease); once it is that old and
its run has not moved, it is marked failed as interrupted and no longer counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sscard.audit.services import record_event
from sscard.common import clock
from sscard.common.context import Actor
from sscard.notifications.services import queue_notifications
from sscard.people.models import Person
from sscard.records.models import ContributionRecord, StatementStatus, YearlyStatement
from sscard.records.statements import FIRST_YEAR, check_year, statement_of

# Rows per background task (a task queues the next one); rows per transaction are the setting
# STATEMENT_RUN_CHUNK.
TASK_ROWS = 5_000
TOPIC = "statement_ready"
INTERRUPTED = "the worker stopped before the task finished; the run was queued again"


class RunInterrupted(Exception):
    """What a task lost with its worker failed of, as the task queue records it."""


@dataclass
class RunReport:
    year: int
    queued: int = 0
    made: int = 0
    notified: int = 0
    remaining: int = 0


def queue_statements(*, year: int, actor: Actor, background: bool = True) -> RunReport:
    """Write the pending rows of a year's run (one per person with a record in the year) and,
    with `background`, queue the task that makes them. Running it again adds the people whose
    first record of the year came since, and queues the task again for what is left."""
    check_year(year)
    now = clock.now()
    people = (
        ContributionRecord.objects.filter(month__year=year)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()
    )
    before = YearlyStatement.objects.filter(year=year).count()
    batch: list[YearlyStatement] = []
    for person_id in people.iterator(chunk_size=5_000):
        batch.append(YearlyStatement(person_id=person_id, year=year, queued_at=now))
        if len(batch) >= 5_000:
            YearlyStatement.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        YearlyStatement.objects.bulk_create(batch, ignore_conflicts=True)
    report = RunReport(year=year)
    report.queued = YearlyStatement.objects.filter(year=year).count() - before
    report.remaining = _left(year)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="records.statements_queued",
            object_type="statement_run",
            object_id=str(year),
            before={},
            after={"year": year, "queued": report.queued, "remaining": report.remaining},
        )
        if background and report.remaining:
            from sscard.records.tasks import make_statements_task

            transaction.on_commit(lambda: make_statements_task.enqueue(year=year), robust=True)
    return report


def _left(year: int) -> int:
    rows = YearlyStatement.objects.filter(year=year)
    return rows.exclude(status=StatementStatus.NOTIFIED).count()


def make_statements(
    year: int,
    *,
    limit: int | None = None,
    chunk: int | None = None,
    progress: Callable[[RunReport], None] | None = None,
) -> RunReport:
    """Make and notify the rows of a year not yet notified, in chunks (of `chunk` rows, else
    STATEMENT_RUN_CHUNK), up to `limit` rows."""
    chunk = chunk or settings.STATEMENT_RUN_CHUNK
    report = RunReport(year=year)
    done = 0
    last = 0
    while limit is None or done < limit:
        size = chunk if limit is None else min(chunk, limit - done)
        ids = list(
            YearlyStatement.objects.filter(year=year, pk__gt=last)
            .exclude(status=StatementStatus.NOTIFIED)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            break
        last = ids[-1]
        report.made += _make(ids, year)
        report.notified += _notify(ids, year)
        done += len(ids)
        if progress is not None:
            progress(report)
    report.remaining = _left(year)
    return report


def _locked(ids: list[int], status: str) -> list[YearlyStatement]:
    return list(
        YearlyStatement.objects.select_for_update()
        .filter(pk__in=ids, status=status)
        .select_related("person")
        .order_by("pk")
    )


def _make(ids: list[int], year: int) -> int:
    with transaction.atomic():
        rows = _locked(ids, StatementStatus.PENDING)
        now = clock.now()
        for row in rows:
            row.digest = statement_of(row.person, year).digest
            row.status = StatementStatus.MADE
            row.made_at = now
        YearlyStatement.objects.bulk_update(rows, ["digest", "status", "made_at"])
    return len(rows)


def _notify(ids: list[int], year: int) -> int:
    with transaction.atomic():
        rows = _locked(ids, StatementStatus.MADE)
        now = clock.now()
        for row in rows:
            person: Person = row.person
            queue_notifications(
                subject=person, recipients=[person], topic=TOPIC, params={"year": year}
            )
            row.status = StatementStatus.NOTIFIED
            row.notified_at = now
        YearlyStatement.objects.bulk_update(rows, ["status", "notified_at"])
    return len(rows)


# ---------------------------------------------------------------- runs whose task is gone


def _task_path() -> str:
    from sscard.records.tasks import make_statements_task

    return make_statements_task.module_path


def _tasks_of_runs() -> list[tuple[int, str, dt.datetime | None, str]]:
    """The run tasks waiting or running: (year, status, started_at, id)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    found = []
    tasks = DBTaskResult.objects.filter(
        task_path=_task_path(), status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).values_list("pk", "status", "started_at", "args_kwargs")
    for pk, status, started_at, args_kwargs in tasks:
        year = (args_kwargs or {}).get("kwargs", {}).get("year")
        if isinstance(year, int):
            found.append((year, status, started_at, str(pk)))
    return found


def _moved_since(year: int, since: dt.datetime) -> bool:
    return (
        YearlyStatement.objects.filter(year=year)
        .filter(Q(queued_at__gte=since) | Q(made_at__gte=since) | Q(notified_at__gte=since))
        .exists()
    )


def resume_stalled_runs() -> int:
    """Queue the task again for each year whose run has rows left (pending or made) and no task
    that is alive: none waiting, none taken within STATEMENT_RUN_STALLED_AFTER_SECONDS, and no
    row of the year moved in that time (a run going on in the foreground moves its rows). A
    task taken longer ago by a worker that is gone is marked failed as interrupted. How many
    runs were queued again. The rows hold the state, so a task queued once too often does
    nothing twice."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from sscard.records.tasks import make_statements_task

    stalled_after = dt.timedelta(seconds=settings.STATEMENT_RUN_STALLED_AFTER_SECONDS)
    # Task times are the queue's (Django's clock); row times are ours.
    task_cutoff = timezone.now() - stalled_after
    row_cutoff = clock.now() - stalled_after
    tasks = _tasks_of_runs()
    resumed = 0
    for year in range(FIRST_YEAR, clock.today().year + 1):
        left = YearlyStatement.objects.filter(
            year=year, status__in=[StatementStatus.PENDING, StatementStatus.MADE]
        )
        if not left.exists():
            continue
        of_year = [t for t in tasks if t[0] == year]
        if any(
            status == TaskResultStatus.READY or started_at is None or started_at > task_cutoff
            for _, status, started_at, _ in of_year
        ):
            continue
        if _moved_since(year, row_cutoff):
            continue
        with transaction.atomic():
            DBTaskResult.objects.filter(
                pk__in=[pk for *_, pk in of_year], status=TaskResultStatus.RUNNING
            ).update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path=f"{__name__}.{RunInterrupted.__qualname__}",
                traceback=INTERRUPTED,
            )
            transaction.on_commit(partial(make_statements_task.enqueue, year=year), robust=True)
        resumed += 1
    return resumed
