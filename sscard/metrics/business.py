"""The business figures, read from the database at each scrape (so they are the same whichever
process answers, however many there are): a few aggregate queries over indexes, each read
through its app's selectors. Nothing personal: counts, ages and times only.

If the database does not answer, the scrape still answers with the process's own metrics and
`sscard_business_metrics_ok 0`.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Iterator

from django.db import DatabaseError, connection
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sscard.applications.selectors import count_by_status
from sscard.background.heartbeat import last_beat
from sscard.background.readiness import readiness
from sscard.cards.selectors import loss_report_counts, pin_locked_count
from sscard.common import clock
from sscard.notifications.models import OutboxKind
from sscard.notifications.selectors import (
    WAITING_STATUSES,
    delivery_times,
    oldest_due,
    oldest_pending_by_kind,
    waiting_by_kind,
)

# Delivery times are those of the messages delivered in this last stretch of time.
DELIVERY_WINDOW = dt.timedelta(minutes=10)
DELIVERY_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0, 21600.0)


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(float(bound))


def _loss_reports() -> Metric:
    family = GaugeMetricFamily(
        "sscard_loss_reports",
        "Loss reports on record, by channel, kind and status (as they read now: a temporary "
        "report past its end is lapsed).",
        labels=["channel", "kind", "status"],
    )
    for (channel, kind, status), n in sorted(loss_report_counts().items()):
        family.add_metric([channel, kind, status], n)
    return family


def _applications() -> Metric:
    family = GaugeMetricFamily(
        "sscard_card_applications", "Card applications by status.", labels=["status"]
    )
    for status, n in count_by_status().items():
        family.add_metric([status], n)
    return family


def _pin_locked() -> Metric:
    return GaugeMetricFamily(
        "sscard_cards_pin_locked", "Cards whose PIN is locked now.", value=pin_locked_count()
    )


def _outbox(now: dt.datetime) -> Iterator[Metric]:
    waiting = waiting_by_kind()
    messages = GaugeMetricFamily(
        "sscard_outbox_messages",
        "Outbox messages waiting: pending (not yet delivered) or dead (no try left), by kind.",
        labels=["kind", "status"],
    )
    for kind in OutboxKind.values:
        for status in WAITING_STATUSES:
            messages.add_metric([kind, status], waiting.get((kind, status), 0))
    yield messages

    oldest = oldest_pending_by_kind()
    age = GaugeMetricFamily(
        "sscard_outbox_oldest_pending_seconds",
        "Age of the oldest pending outbox message of each kind (0: none pending).",
        labels=["kind"],
    )
    for kind in OutboxKind.values:
        written = oldest.get(kind)
        age.add_metric([kind], max((now - written).total_seconds(), 0.0) if written else 0.0)
    yield age

    due = oldest_due(now)
    yield GaugeMetricFamily(
        "sscard_outbox_oldest_due_seconds",
        "How long the pending message due the longest has been due (0: none), as /readyz "
        "checks it.",
        value=max((now - due).total_seconds(), 0.0) if due else 0.0,
    )

    times = delivery_times(since=now - DELIVERY_WINDOW, bounds=DELIVERY_BUCKETS)
    delivered = GaugeHistogramMetricFamily(
        "sscard_outbox_delivery_seconds",
        "Time from an outbox message's creation to its delivery, over the messages delivered "
        f"in the last {int(DELIVERY_WINDOW.total_seconds())} seconds, by kind.",
        labels=["kind"],
    )
    for kind in OutboxKind.values:
        got = times.get(kind)
        within = got.within if got else (0,) * len(DELIVERY_BUCKETS)
        count = got.count if got else 0
        buckets = [(_le(b), n) for b, n in zip(DELIVERY_BUCKETS, within, strict=True)]
        buckets.append(("+Inf", count))
        delivered.add_metric([kind], buckets, got.total_seconds if got else 0.0)
    yield delivered


def _worker(now: dt.datetime) -> Metric:
    beat = last_beat()
    return GaugeMetricFamily(
        "sscard_worker_heartbeat_age_seconds",
        "Age of the newest heartbeat of any `sscard worker` (+Inf: none has beaten).",
        value=(now - beat).total_seconds() if beat else math.inf,
    )


def _readiness() -> Iterator[Metric]:
    checks = readiness()
    yield GaugeMetricFamily(
        "sscard_ready", "1 when /readyz would answer 200, else 0.", value=all(c.ok for c in checks)
    )
    each = GaugeMetricFamily(
        "sscard_readiness_check", "Each check of /readyz: 1 passed, 0 failed.", labels=["check"]
    )
    for check in checks:
        each.add_metric([check.name], int(check.ok))
    yield each


def _families() -> Iterator[Metric]:
    now = clock.now()
    yield _loss_reports()
    yield _applications()
    yield _pin_locked()
    yield from _outbox(now)
    yield _worker(now)
    yield from _readiness()


class BusinessCollector(Collector):
    def collect(self) -> Iterable[Metric]:
        started = time.process_time()
        try:
            families = list(_families())
            ok = 1
        except DatabaseError:
            connection.close_if_unusable_or_obsolete()
            families, ok = [], 0
        yield from families
        yield GaugeMetricFamily(
            "sscard_business_metrics_ok",
            "1 when the business figures were read from the database, 0 when it failed.",
            value=ok,
        )
        yield GaugeMetricFamily(
            "sscard_business_metrics_cpu_seconds",
            "CPU time this scrape took to read the business figures.",
            value=time.process_time() - started,
        )

    def describe(self) -> Iterable[Metric]:
        return []
