"""`sscard worker`: the one background process.

It runs django-tasks-db's worker loop (the queued outbox deliveries), and between batches
- delivers outbox messages that are due but have no task (a killed worker's lease ran out, an
  enqueue failed): nothing is lost;
- every few seconds, its heartbeat (`sscard.background.heartbeat`, read by `/readyz`), also
  after each task of a long batch;
- every few minutes, the sweep (`sscard sweep`, `sscard.background.sweep`): lapses,
  reminders, expiries, yearly statements runs whose task a killed worker lost queued again,
  and pruning of what is kept only for a while.
SIGTERM or SIGINT: the current delivery finishes, then the worker exits; a second signal stops
it at once (the message's lease runs out and it is delivered again, with the same id).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django_tasks_db.management.commands.db_worker import Worker, valid_interval
from django_tasks_db.models import DBTaskResult

from sscard.background import heartbeat
from sscard.background.sweep import describe, run_sweep
from sscard.common import clock
from sscard.notifications.delivery import deliver_stranded

logger = logging.getLogger("sscard.worker")

RECOVERY_BATCH = 100


class BackgroundWorker(Worker):
    """django-tasks-db's Worker, run in batches with the periodic jobs between them."""

    def __init__(
        self,
        *,
        interval: float,
        recover_every: float,
        sweep_every: float | None,
        once: bool,
        worker_id: str,
        queue_names: list[str],
        backend_name: str = "default",
    ) -> None:
        super().__init__(
            queue_names=queue_names,
            interval=interval,
            batch=True,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.recover_every = recover_every
        self.sweep_every = sweep_every
        self.once = once
        self.started_at = clock.now()
        self.next_beat = 0.0

    def beat(self) -> None:
        """Tell `/readyz` this worker is alive (at most every few seconds)."""
        if time.monotonic() < self.next_beat:
            return
        self.next_beat = time.monotonic() + heartbeat.BEAT_EVERY_SECONDS
        try:
            heartbeat.beat(self.worker_id, started_at=self.started_at)
        except DatabaseError:
            logger.warning("worker %s: the heartbeat could not be written", self.worker_id)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        self.beat()  # a long batch of tasks still beats

    @contextmanager
    def busy(self) -> Iterator[None]:
        """A signal now lets the job finish (the base class exits at once when idle)."""
        self.running_task = True
        try:
            yield
        finally:
            self.running_task = False

    def serve(self) -> None:
        logger.info(
            "worker %s: tasks every %ss, recovery every %ss, sweep %s",
            self.worker_id,
            self.interval,
            self.recover_every,
            f"every {self.sweep_every}s" if self.sweep_every else "off",
        )
        try:
            heartbeat.forget_dead()
            self._loop()
        finally:
            try:
                heartbeat.stopped(self.worker_id)
            except DatabaseError:
                logger.warning("worker %s: its heartbeat could not be removed", self.worker_id)
            logger.info("worker %s stopped", self.worker_id)

    def _loop(self) -> None:
        next_sweep = next_recovery = time.monotonic()
        while self.running:
            self.beat()
            if self.sweep_every is not None and time.monotonic() >= next_sweep:
                self.sweep()
                next_sweep = time.monotonic() + self.sweep_every
            self.run()  # the queued tasks, until none is ready
            if self.running and time.monotonic() >= next_recovery:
                full = self.recover()
                next_recovery = time.monotonic() + (0 if full else self.recover_every)
                if self.running and self.once:
                    self.run()  # retries that are already due
            if self.once or not self.running:
                break
            time.sleep(self.interval)

    def recover(self) -> bool:
        """Deliver stranded messages; True when there may be more."""
        older_than = 0.0 if self.once else settings.OUTBOX_RECOVER_AFTER_SECONDS
        done = 0
        with self.busy():
            try:
                while self.running:
                    count = deliver_stranded(older_than=older_than, limit=RECOVERY_BATCH)
                    done += count
                    if count < RECOVERY_BATCH or not self.once:
                        break
            except Exception:
                logger.exception("recovery of stranded outbox messages failed")
                return False
        if done:
            logger.info("recovered %s stranded outbox message(s)", done)
        return done >= RECOVERY_BATCH and not self.once

    def sweep(self) -> None:
        with self.busy():
            try:
                counts = run_sweep()
            except Exception:
                logger.exception("sweep failed")
                return
        if any(counts.values()):
            logger.info("sweep: %s", describe(counts))


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[-64:]


class Command(BaseCommand):
    help = (
        "Run the background worker: outbox deliveries (webhooks, SMS, e-mail), recovery of "
        "stranded deliveries, and the sweep every few minutes. Stops cleanly on SIGTERM/SIGINT."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="do everything that is due now (sweep, tasks, stranded deliveries), then exit",
        )
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="seconds between looks at the task queue when it is empty (default 1)",
        )
        parser.add_argument(
            "--recover-every",
            type=valid_interval,
            default=30.0,
            help="seconds between passes over stranded outbox messages (default 30)",
        )
        parser.add_argument(
            "--sweep-every",
            type=valid_interval,
            default=300.0,
            help="seconds between sweeps: lapses, reminders, expiries (default 300)",
        )
        parser.add_argument("--no-sweep", action="store_true", help="never run the sweep")
        parser.add_argument("--queue-name", default="default", help="task queues, comma-separated")
        parser.add_argument(
            "--worker-id", default=default_worker_id(), help="unique among running workers"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        # The task loop restarts after every batch, and each delivery logs its own line: the
        # libraries' lines per batch, task and request are noise (and a gateway URL may carry
        # a key). Failures still show: they are warnings and errors.
        for name in ("django_tasks_db", "django_tasks", "httpx"):
            logging.getLogger(name).setLevel(logging.DEBUG if verbosity > 1 else logging.WARNING)
        if verbosity == 0:
            logging.getLogger("sscard").setLevel(logging.WARNING)
        worker = BackgroundWorker(
            interval=options["interval"],
            recover_every=options["recover_every"],
            sweep_every=None if options["no_sweep"] else options["sweep_every"],
            once=options["once"],
            worker_id=options["worker_id"],
            queue_names=options["queue_name"].split(","),
        )
        signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
        previous = {sig: signal.getsignal(sig) for sig in signals}
        worker.configure_signals()
        try:
            worker.serve()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
