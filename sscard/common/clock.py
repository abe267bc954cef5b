"""The one clock. Every rule that reads the time reads it here, so tests can move it."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_state = threading.local()
_global_offset = dt.timedelta(0)
# Seconds `travel` has moved the monotonic clock on, in every thread; it only grows.
_monotonic_offset = 0.0


def now() -> dt.datetime:
    frozen: dt.datetime | None = getattr(_state, "frozen", None)
    if frozen is not None:
        return frozen
    return timezone.now() + _global_offset


def today() -> dt.date:
    return timezone.localdate(now())


@contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    """Freeze the clock for this thread."""
    if timezone.is_naive(moment):
        raise ValueError("the clock only takes aware datetimes")
    previous = getattr(_state, "frozen", None)
    _state.frozen = moment
    try:
        yield
    finally:
        _state.frozen = previous


def monotonic() -> float:
    """Seconds on a clock that never goes back (for how long something was remembered, not
    what time it is); `travel` moves it on too."""
    return time.monotonic() + _monotonic_offset


def travel(delta: dt.timedelta) -> None:
    """Move this thread's frozen clock forward, and the monotonic clock with it (tests and demo
    data only)."""
    global _monotonic_offset
    current = now()
    _state.frozen = current + delta
    _monotonic_offset += max(0.0, delta.total_seconds())
