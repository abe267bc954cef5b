"""What time decides, in the order it runs: the one list of jobs behind `sscard sweep` and the
worker's periodic sweep. Each job is safe to run at any time and says how many rows it wrote or
removed."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.utils import timezone

from sscard.api.idempotency import prune_expired_keys
from sscard.applications.services.cancellation import lapse_uncollected
from sscard.cards.services import expire_cards, lapse_due_reports, remind_lapsing_reports
from sscard.notifications.tasks import prune_finished_tasks
from sscard.partners.services import prune_citizen_tokens
from sscard.people.signin import prune_one_time_codes


def prune_expired_sessions() -> int:
    """Django's sessions past their expiry (an abandoned sign-in, a closed browser). Their
    expiry is Django's own clock's, as the session machinery reads it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if issubclass(store, DbSessionStore):
        expired = store.get_model_class().objects.filter(expire_date__lt=timezone.now())
        deleted, _ = expired.delete()
        return deleted
    store.clear_expired()
    return 0


JOBS: tuple[tuple[str, Callable[[], int]], ...] = (
    ("temporary reports lapsed", lapse_due_reports),
    ("reminders", remind_lapsing_reports),
    ("uncollected cards lapsed", lapse_uncollected),
    ("cards expired", expire_cards),
    ("idempotency keys expired", prune_expired_keys),
    ("finished tasks pruned", prune_finished_tasks),
    ("citizen tokens pruned", prune_citizen_tokens),
    ("one-time codes pruned", prune_one_time_codes),
    ("sessions pruned", prune_expired_sessions),
)


def run_sweep() -> dict[str, int]:
    return {name: job() for name, job in JOBS}


def describe(counts: dict[str, int]) -> str:
    return "; ".join(f"{name}: {count}" for name, count in counts.items())
