"""The reads asked on every request of the hot paths (the status lookup, one card or a batch;
the electronic card's online verification)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import OperationalError, connection

T = TypeVar("T")


def _prepared_cursor() -> Any:
    """A cursor of Django's connection (its execute wrappers, error translation and query log)
    that binds its parameters on the server, so that psycopg prepares a statement it runs again
    and again on the connection (after `prepare_threshold` runs, settings.DATABASES): the server
    plans it once per connection instead of at every run (BENCHMARKS.md: the electronic card's
    three-table read cost the server about four times as much to plan as to run). Other reads
    keep Django's client-side binding.

    Without Django's health check of a persistent connection (CONN_HEALTH_CHECKS: a `SELECT 1`
    round trip before a request's first query, costing the server and PostgreSQL as much again
    as the read it guards): the read is its own check (`_hot`)."""
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw: Any = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def _connection_lost() -> bool:
    """Whether the database connection is gone (the server restarted, or cut it), as opposed to
    an error of the statement on a live connection."""
    raw = connection.connection
    return raw is None or bool(raw.closed)


def _run(fetch: Callable[[Any], T], sql: str, params: Sequence[Any]) -> T:
    with _prepared_cursor() as cursor:
        cursor.execute(sql, params)
        result = fetch(cursor)
    # The connection has just answered: the request's later queries need no health check.
    connection.health_check_done = True  # type: ignore[attr-defined]  # django-stubs lack it
    return result


def _hot(fetch: Callable[[Any], T], sql: str, params: Sequence[Any]) -> T:
    """`fetch(cursor)` after running a read-only query on the hot path.

    On PostgreSQL the statement is prepared on the server and the persistent connection is not
    health-checked first (`_prepared_cursor`). A connection found gone when the read is asked
    (PostgreSQL restarted, or ended the session) is closed and the read asked once more on a new
    one, as the health check would have done: outside a transaction only (inside one, the
    transaction is lost with its connection, and the error goes up). Any other error of the
    statement, or a second failure, goes up as it is (OperationalError: the 503 `unavailable`
    answer). On SQLite, Django's own cursor (which keeps its statements)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return fetch(cursor)
    try:
        return _run(fetch, sql, params)
    except OperationalError:
        if connection.in_atomic_block or not _connection_lost():
            raise
    connection.close()
    return _run(fetch, sql, params)


def hot_row(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The one row (or None) of a read-only query asked on every request of a hot path
    (`_hot`)."""
    row: tuple[Any, ...] | None = _hot(lambda cursor: cursor.fetchone(), sql, params)
    return row


def hot_rows_where_in(select: str, column: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of `select` (a query up to its WHERE) whose `column` is one of `values`, read as
    `hot_row` reads. On PostgreSQL the values go as one array (`column = ANY(%s)`), so that the
    statement is the same, and prepared once, whatever their number; an IN list elsewhere."""
    if not values:
        return []
    params: Sequence[Any]
    if connection.vendor == "postgresql":
        sql, params = f"{select} WHERE {column} = ANY(%s)", [list(values)]
    else:
        sql, params = f"{select} WHERE {column} IN ({', '.join(['%s'] * len(values))})", values
    rows: list[tuple[Any, ...]] = _hot(lambda cursor: cursor.fetchall(), sql, params)
    return rows
