"""Cursors for the reads asked on every request of the hot paths (the status lookup, the
electronic card's online verification)."""

from __future__ import annotations

from typing import Any

from django.db import connection


def prepared_cursor() -> Any:
    """A cursor of Django's connection (its execute wrappers, error translation and query log)
    that binds its parameters on the server, so that psycopg prepares a statement it runs again
    and again on the connection (after `prepare_threshold` runs, settings.DATABASES): the server
    plans it once per connection instead of at every run (BENCHMARKS.md: the electronic card's
    three-table read cost the server about four times as much to plan as to run). Other reads
    keep Django's client-side binding. On SQLite, Django's own cursor (which keeps its
    statements)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw: Any = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)
