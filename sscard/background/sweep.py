"""The sweep: the periodic jobs, in the one order they run in, behind `sscard sweep` and the
worker's periodic sweep. Each app registers its own jobs (`sscard.common.jobs`); this module
says only when each runs."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from sscard.common.jobs import registered_jobs

# What time decides about reports and cards, first (a report that lapses now is not reminded).
DECIDED_BY_TIME: tuple[str, ...] = (
    "temporary reports lapsed",
    "reminders",
    "uncollected cards lapsed",
    "card expiry reminders",
    "cards expired",
)
# Then work whose task was lost (a killed worker) is queued again; then what is kept only for a
# while (a resumed run's interrupted task is marked failed before finished tasks are pruned).
SCHEDULE: tuple[str, ...] = (
    *DECIDED_BY_TIME,
    "statement runs resumed",
    "idempotency keys expired",
    "finished tasks pruned",
    "citizen tokens pruned",
    "one-time codes pruned",
    "sessions pruned",
    "voice calls closed and forgotten",
    "ecard codes pruned",
    # Last: the heads of the audit chains as the jobs above left them, signed every 5 minutes.
    "audit checkpoint",
)


def schedule_problems() -> list[str]:
    """What keeps the schedule and the registered jobs from matching one to one."""
    jobs = registered_jobs()
    missing = [name for name in SCHEDULE if name not in jobs]
    unscheduled = sorted(set(jobs) - set(SCHEDULE))
    problems = [f"no app registers the job {name!r}" for name in missing]
    problems += [f"the job {name!r} is registered but not scheduled" for name in unscheduled]
    return problems


def check_schedule(**kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(problem, hint="sscard/background/sweep.py", id="sscard.background.E001")
        for problem in schedule_problems()
    ]


def run_sweep(names: tuple[str, ...] = SCHEDULE) -> dict[str, int]:
    """Run the scheduled jobs (or those of `names`, in the schedule's order); how many rows each
    wrote or removed."""
    problems = schedule_problems()
    if problems:
        raise ImproperlyConfigured("; ".join(problems))
    jobs = registered_jobs()
    return {name: jobs[name]() for name in SCHEDULE if name in names}


def describe(counts: dict[str, int]) -> str:
    return "; ".join(f"{name}: {count}" for name, count in counts.items())
