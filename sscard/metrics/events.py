"""Counting what the domain announces by its signals: sign-in code requests and PIN locks.
The domain does not know it is counted (it imports nothing of this app)."""

from __future__ import annotations

from typing import Any

from sscard.cards.signals import pin_locked
from sscard.common.context import Channel
from sscard.signin.signals import OUTCOMES, code_requested


def _code_requested(*, purpose: str, outcome: str, **_: Any) -> None:
    from sscard.metrics.instruments import SIGNIN_CODES

    if outcome in OUTCOMES:
        SIGNIN_CODES.labels(purpose, outcome).inc()


def _pin_locked(*, channel: str, **_: Any) -> None:
    from sscard.metrics.instruments import PIN_LOCKS

    PIN_LOCKS.labels(channel if channel in Channel.values else "other").inc()


def connect() -> None:
    code_requested.connect(_code_requested, dispatch_uid="sscard.metrics.signin_codes")
    pin_locked.connect(_pin_locked, dispatch_uid="sscard.metrics.pin_locks")
