"""The sweep's reads of cards by expiry date go through the partial index of cards in hand
(`card_in_hand_expiry`), not through the whole card table: what an operator of a province with
tens of millions of cards checks with EXPLAIN. PostgreSQL only: the index's condition is proved
from each query's statuses by PostgreSQL's planner (SQLite's matches conditions word for word)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sscard.applications.services.renewal import remind_expiring_cards
from sscard.cards.expiring import expiring_by_district
from sscard.cards.services import expire_cards
from sscard.common import clock
from sscard.demo.reference import load_reference_data
from tests.factories import make_card

pytestmark = pytest.mark.django_db


def _plan_of_card_read(run: Callable[[], Any]) -> str:
    """The plan of the read of cards by expiry date that `run` makes, with sequential scans
    made as dear as PostgreSQL allows (a table of a few rows is otherwise read whole)."""
    with CaptureQueriesContext(connection) as seen:
        run()
    by_date = ('"cards_card"."expires_on" <', '"cards_card"."expires_on" >=')
    reads = [
        q["sql"]
        for q in seen.captured_queries
        if q["sql"].startswith("SELECT") and any(term in q["sql"] for term in by_date)
    ]
    assert len(reads) == 1, [q["sql"] for q in seen.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + reads[0])
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    "run",
    [
        pytest.param(expire_cards, id="expiry"),
        pytest.param(remind_expiring_cards, id="reminders"),
        pytest.param(lambda: expiring_by_district(clock.today()), id="expiry-report"),
    ],
)
def test_reads_by_expiry_date_use_the_index_of_cards_in_hand(run: Callable[[], Any]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the planner's proof of the index's condition is PostgreSQL's")
    load_reference_data()
    make_card(expires_on=clock.today() + dt.timedelta(days=20))
    plan = _plan_of_card_read(run)
    assert "card_in_hand_expiry" in plan, plan
