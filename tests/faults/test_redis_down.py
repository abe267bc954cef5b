"""Redis goes down under gunicorn, and comes back on the same port.

Redis keeps only the sign-in's rate-limit counters. While it is down:

- the status lookup at a point of use and loss reports work as before (they never ask Redis);
- asking for a one-time code is refused with a clear 503 `service_unavailable` problem, never a
  500 and never a code sent without its budgets counted (the limits fail closed);
- a code sent before the outage still signs in: its tries are counted in the database.

Once Redis answers again, codes are sent again, without restarting gunicorn. A Redis server of
the test's own on a free port: the machine's shared one is never stopped.

Runs in the SQLite run only: nothing in it depends on the database.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import make_card, make_person
from tests.faults.support import (
    ON_POSTGRES,
    gunicorn,
    private_redis,
    wait_until,
)
from tests.process_support import database_url
from tests.receivers import http_receiver

pytestmark = [
    pytest.mark.skipif(ON_POSTGRES, reason="needs no PostgreSQL: runs in the SQLite run"),
    pytest.mark.django_db(transaction=True),
]


def test_redis_down_refuses_codes_politely_and_nothing_else(make_token, tmp_path: Path):
    holder = make_person(age=30, phone="13912345678")
    other = make_person(age=40, phone="13987654321")
    card = make_card(person=holder)
    other_card = make_card(person=other)
    point_of_use = make_token("cards:verify")
    hotline = make_token("loss:report")
    me = {"social_security_number": holder.social_security_number, "phone": holder.phone}

    def report(who, number: str) -> dict[str, object]:
        return {
            "card_number": number,
            "kind": "temporary",
            "channel": "hotline",
            "reporter": {
                "social_security_number": who.social_security_number,
                "name": who.name,
                "relation": "self",
            },
        }

    with (
        private_redis(tmp_path / "redis") as redis,
        http_receiver() as gateway,
        gunicorn(
            database_url(),
            tmp_path,
            workers=1,
            REDIS_URL=redis.url,
            SSCARD_CACHE_PREFIX=f"faults-{redis.port}",
            SSCARD_SMS_BACKEND="http",
            SSCARD_SMS_URL=gateway.url,
        ) as server,
    ):
        assert server.call("POST", "/api/v1/auth/otp", me).status == 202
        wait_until("the code by SMS", lambda: len(gateway.received) == 1)
        code = re.findall(r"\d{6}", gateway.received[0].json["text"])[0]

        redis.kill()

        status = server.call("GET", f"/api/v1/cards/{card.number}/status", token=point_of_use)
        assert (status.status, status.json()["usable"]) == (200, True)
        refused = server.call("POST", "/api/v1/auth/otp", me)
        assert (refused.status, refused.content_type, refused.problem_code) == (
            503,
            "application/problem+json",
            "service_unavailable",
        )
        assert len(gateway.received) == 1  # no code went out uncounted
        reported = server.call(
            "POST", "/api/v1/loss-reports", report(holder, card.number), token=hotline
        )
        assert reported.status == 201, reported.body
        status = server.call("GET", f"/api/v1/cards/{card.number}/status", token=point_of_use)
        assert (status.status, status.json()["usable"]) == (200, False)
        signed_in = server.call(
            "POST",
            "/api/v1/auth/token",
            {"social_security_number": holder.social_security_number, "code": code},
        )
        assert signed_in.status == 200, signed_in.body
        assert (
            server.call("GET", "/api/v1/me", token=signed_in.json()["access_token"]).status == 200
        )

        redis.start()

        again = server.call("POST", "/api/v1/auth/otp", me)
        assert again.status == 202, again.body
        wait_until("the second code by SMS", lambda: len(gateway.received) == 2)
        assert (
            server.call(
                "POST", "/api/v1/loss-reports", report(other, other_card.number), token=hotline
            ).status
            == 201
        )
        assert "Internal Server Error" not in server.output()
