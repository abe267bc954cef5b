"""The hot path's read on a persistent connection that PostgreSQL has dropped.

The status lookup (and the electronic card's online verification) does not health-check its
persistent connection before reading (a `SELECT 1` round trip that cost as much again as the
read, BENCHMARKS.md): the read is its own check. So a point of use asking right after
PostgreSQL restarted, or ended the worker's session, must still get its answer, not a 503:
the read is asked once more on a new connection. Only then: inside a transaction the lost
connection takes the transaction with it, and an error of the statement on a live connection
(a statement timeout) is not asked twice.

PostgreSQL only: the session is ended by PostgreSQL (pg_terminate_backend), as a restart or an
administrator ends it."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import OperationalError, connection, transaction

from sscard.common.database import hot_row
from tests.factories import make_card
from tests.faults.support import ON_POSTGRES
from tests.process_support import database_url

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL ends the session: PostgreSQL only"),
    # The session ended takes the test's transaction with it: the test commits for real.
    pytest.mark.django_db(transaction=True),
]


def end_session_of_this_connection() -> int:
    """Ends, from another connection, the PostgreSQL session of Django's connection, as a
    restart or `pg_terminate_backend` does, and waits until it is gone; returns its pid."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with psycopg.connect(database_url(), autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the session was not ended"
            time.sleep(0.02)
    return pid


def test_a_status_lookup_after_the_session_was_ended_is_answered(api, make_token):
    card = make_card()
    token = make_token("cards:verify")
    assert api.get(f"/cards/{card.number}/status", token=token).status_code == 200

    ended = end_session_of_this_connection()
    answer = api.get(f"/cards/{card.number}/status", token=token)

    assert answer.status_code == 200, answer.content
    assert answer.json()["card_number"] == card.number
    assert answer.json()["status"] == card.status
    # Answered on a new session.
    assert connection.connection.info.backend_pid != ended


def test_a_lost_connection_inside_a_transaction_is_not_read_again():
    card = make_card()
    end_session_of_this_connection()
    with pytest.raises(OperationalError), transaction.atomic():
        hot_row("SELECT number FROM cards_card WHERE number = %s", [card.number])
    # Outside the transaction the next read reconnects.
    assert hot_row("SELECT number FROM cards_card WHERE number = %s", [card.number]) == (
        card.number,
    )


def test_an_error_of_the_statement_on_a_live_connection_is_not_asked_twice():
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE hot_read_runs")
        cursor.execute("SET statement_timeout = 50")
    try:
        # Cancelled by the timeout (an OperationalError, as a lost connection is); a sequence
        # keeps what a cancelled statement took from it, so it counts the runs.
        with pytest.raises(OperationalError, match="statement timeout"):
            hot_row("SELECT nextval('hot_read_runs'), pg_sleep(5)", [])
        assert hot_row("SELECT last_value FROM hot_read_runs", []) == (1,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
            cursor.execute("DROP SEQUENCE hot_read_runs")
