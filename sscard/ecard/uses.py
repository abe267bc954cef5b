"""When each electronic card was last used, kept by each process and written in batches.

Only the staff console reads the last use, to the minute (and the verification writes it at most
once a minute per card anyway): an online verification outside any transaction notes it here
instead of writing it, and a thread of this process writes every use noted during the last
`WRITE_EVERY` seconds in one statement, on its own connection. Written too: at a clean exit of
the process (`atexit`: gunicorn's workers and `sscard` commands end this way, on SIGTERM too),
and whenever `flush_uses` is called. A process killed outright (SIGKILL, a crash, gunicorn's
worker timeout) loses the uses of its last second at most; the console may then show a use one
minute older than the last. A use is never written back in time: a batch changes only a card
whose stored last use is older (another process may have written a newer one).

Inside a caller's transaction the use is written at once, in that transaction, as before.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import threading

from django.db import connection
from django.db.models import Case, F, Q, Value, When

from sscard.ecard.models import ElectronicCard

logger = logging.getLogger(__name__)

WRITE_EVERY = 1.0
# Rows per statement: a Case of this many Whens stays well under SQLite's bound parameters.
BATCH = 500


_TABLE = ElectronicCard._meta.db_table
_ID = ElectronicCard._meta.pk.column
_LAST_USED = ElectronicCard._meta.get_field("last_used_at").column
# PostgreSQL: the whole batch as two arrays, in one statement whatever its size.
_BATCH_SQL = (
    f"UPDATE {_TABLE} e SET {_LAST_USED} = v.at "
    "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) "
    f"WHERE e.{_ID} = v.id AND (e.{_LAST_USED} IS NULL OR e.{_LAST_USED} < v.at)"
)


def _write(uses: dict[int, dt.datetime]) -> None:
    """Write these last uses, each only over an older one: one statement on PostgreSQL, one per
    `BATCH` cards elsewhere."""
    items = sorted(uses.items())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_BATCH_SQL, [[pk for pk, _ in items], [at for _, at in items]])
        return
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        ElectronicCard.objects.filter(pk__in=[pk for pk, _ in chunk]).update(
            last_used_at=Case(
                *[
                    When(
                        Q(pk=pk) & (Q(last_used_at__isnull=True) | Q(last_used_at__lt=at)),
                        then=Value(at),
                    )
                    for pk, at in chunk
                ],
                default=F("last_used_at"),
            )
        )


class _Uses:
    """The uses noted by this process and not yet written, and the thread that writes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[int, dt.datetime] = {}
        self._writer: threading.Thread | None = None
        self._stop = threading.Event()

    def note(self, ecard_id: int, at: dt.datetime) -> None:
        with self._lock:
            known = self._pending.get(ecard_id)
            if known is None or known < at:
                self._pending[ecard_id] = at
            if self._writer is None:
                self._stop.clear()
                self._writer = threading.Thread(
                    target=self._run, name="ecard-last-uses", daemon=True
                )
                self._writer.start()

    def _take(self) -> dict[int, dt.datetime]:
        with self._lock:
            pending, self._pending = self._pending, {}
            return pending

    def _keep(self, uses: dict[int, dt.datetime]) -> None:
        with self._lock:
            for ecard_id, at in uses.items():
                known = self._pending.get(ecard_id)
                if known is None or known < at:
                    self._pending[ecard_id] = at

    def _run(self) -> None:
        """Write what was noted every `WRITE_EVERY` seconds; end (closing this thread's
        connection) after a round with nothing to write, or when told to stop. A failed write
        is tried again a round later."""
        try:
            while True:
                stopping = self._stop.wait(WRITE_EVERY)
                pending = self._take()
                if pending:
                    try:
                        _write(pending)
                    except Exception:
                        logger.warning(
                            "The last uses of %d electronic cards could not be written yet.",
                            len(pending),
                            exc_info=True,
                        )
                        self._keep(pending)
                        connection.close()
                with self._lock:
                    if stopping or (not self._pending and not pending):
                        self._writer = None
                        return
        finally:
            connection.close()

    def flush(self) -> None:
        """Write everything noted so far now, and stop the writer (the next use starts one)."""
        with self._lock:
            writer = self._writer
        if writer is not None:
            self._stop.set()
            writer.join()
        pending = self._take()
        if pending:
            _write(pending)

    def forget(self) -> None:
        """In a forked child: the parent's pending uses and writer thread are the parent's."""
        self._lock = threading.Lock()
        self._pending = {}
        self._writer = None
        self._stop = threading.Event()


_uses = _Uses()
atexit.register(_uses.flush)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_uses.forget)


def note_use(ecard_id: int, at: dt.datetime) -> None:
    """Keep that this electronic card was used at `at`: at once inside a caller's transaction
    (in it), else within `WRITE_EVERY` seconds by this process's writer."""
    if connection.in_atomic_block:
        ElectronicCard.objects.filter(pk=ecard_id).update(last_used_at=at)
        return
    _uses.note(ecard_id, at)


def flush_uses() -> None:
    """Write the uses this process has noted and not yet written (also done at exit)."""
    _uses.flush()
