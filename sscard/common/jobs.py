"""The registry of periodic jobs: what time decides (lapses, reminders, expiries) and what is
kept only for a while (pruning).

The app that owns such work registers it here when Django starts (in its AppConfig.ready), so
no app below imports the background work above it; `sscard.background` runs the jobs in the
order of its schedule. A job is safe to run at any time and returns how many rows it wrote or
removed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

Job = Callable[[], int]

_registered: dict[str, Job] = {}


def register_job(name: str, job: Job) -> None:
    """Register `job` under `name`, the words the sweep reports its count under."""
    if _registered.get(name, job) is not job:
        raise ImproperlyConfigured(f"two periodic jobs are registered as {name!r}")
    _registered[name] = job


def registered_jobs() -> dict[str, Job]:
    return dict(_registered)
