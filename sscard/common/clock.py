"""The one clock. Every rule that reads the time reads it here, so tests can move it."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_state = threading.local()
_global_offset = dt.timedelta(0)


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


def travel(delta: dt.timedelta) -> None:
    """Move this thread's frozen clock forward (tests and demo data only)."""
    current = now()
    _state.frozen = current + delta
