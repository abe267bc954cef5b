"""PostgreSQL goes away while loss reports are being filed, and comes back.

gunicorn (config/gunicorn.py, two workers, persistent connections) serves a cluster of this
test's own (never the machine's shared server, which the other test run uses), a copy of the
test database. Four partner systems file temporary loss reports over HTTP, one card each, while
the cluster is stopped (fast shutdown: open sessions are cut) and started again a moment later:

- every answer is 2xx or a clean 503 `unavailable` problem, never a 500;
- every report answered 2xx is in the database afterwards, every report there is whole (its
  card blocked, its audit event, its outbox messages), and the audit chain verifies;
- a page of the portal asked meanwhile is a 503 "try again shortly" page;
- reports succeed again once PostgreSQL is back, without restarting gunicorn;
- each refused report, retried afterwards with its Idempotency-Key as a partner would, is filed
  (or its first answer replayed) at once: no key stays "in use" because the request holding it
  died with the database.

Runs in the PostgreSQL run only: it is about PostgreSQL.
"""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sscard.common.context import Channel, Role
from sscard.partners.services import create_api_client
from tests.conftest import actor
from tests.factories import BankFactory, make_card, make_person
from tests.faults.support import (
    ON_POSTGRES,
    PG_BIN,
    Answer,
    PrivatePostgres,
    call,
    census,
    gunicorn,
    private_postgres,
    sscard,
    wait_until,
)
from tests.process_support import database_url

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="about PostgreSQL: runs in the PostgreSQL run"),
    pytest.mark.django_db(transaction=True),
]

CARDS = 200
CLIENTS = 4
BEFORE = 20  # reports answered before the outage
AFTER = 20  # reports answered after it


def copy_of_test_database(cluster: PrivatePostgres, work: Path) -> str:
    """The test database, as this test filled it, in the private cluster."""
    dump = work / "test.dump"
    source = database_url()
    subprocess.run(
        [str(PG_BIN / "pg_dump"), "-Fc", "--no-owner", "-f", str(dump), "-d", source],
        check=True,
        capture_output=True,
        timeout=60,
    )
    subprocess.run(
        [
            str(PG_BIN / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.port),
            "-U",
            "postgres",
            "sscard",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    subprocess.run(
        [str(PG_BIN / "pg_restore"), "--no-owner", "-d", cluster.url("sscard"), str(dump)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cluster.url("sscard")


class Filers:
    """Partner systems filing one temporary loss report per card, each with its own
    Idempotency-Key, until told to stop or out of cards."""

    def __init__(self, port: int, token: str, cards: list[tuple[str, str, str]]) -> None:
        self.port = port
        self.token = token
        self.cards = list(cards)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.answers: list[tuple[float, Answer]] = []
        # The reports refused with a 503, with the key they were sent with.
        self.refused: list[tuple[dict[str, object], str]] = []
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(CLIENTS)]

    def run(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                if not self.cards:
                    return
                number, ssn, name = self.cards.pop()
            body: dict[str, object] = {
                "card_number": number,
                "kind": "temporary",
                "channel": "hotline",
                "reporter": {"social_security_number": ssn, "name": name, "relation": "self"},
            }
            key = str(uuid.uuid4())
            try:
                answer = self.file(body, key)
            except OSError as exc:  # the server never drops a request: a failure of the test
                with self.lock:
                    self.failures.append(f"{number}: {exc!r}")
                continue
            with self.lock:
                self.answers.append((time.monotonic(), answer))
                if answer.status == 503:
                    self.refused.append((body, key))
            # A refused report waits a little before the next (Retry-After says 5 s).
            time.sleep(0.2 if answer.status == 503 else 0.01)

    def file(self, body: dict[str, object], key: str) -> Answer:
        return call(
            self.port,
            "POST",
            "/api/v1/loss-reports",
            body,
            token=self.token,
            headers={"Idempotency-Key": key},
        )

    def ok_since(self, since: float) -> int:
        with self.lock:
            return sum(1 for at, a in self.answers if at >= since and a.status // 100 == 2)

    def __enter__(self) -> Filers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)


@pytest.fixture
def cluster() -> Iterator[PrivatePostgres]:
    with private_postgres() as started:
        yield started


def test_loss_reports_filed_through_a_postgresql_restart(cluster, tmp_path):
    people = [make_person(age=30) for _ in range(CARDS)]
    bank = BankFactory.create()
    cards = [
        (make_card(person=p, bank=bank).number, p.social_security_number, p.name) for p in people
    ]
    token = create_api_client(
        actor=actor(Channel.SYSTEM, Role.ADMIN), name="12333-hotline", scopes="loss:report"
    ).token
    url = copy_of_test_database(cluster, tmp_path)

    with gunicorn(url, tmp_path) as server, Filers(server.port, token, cards) as filers:
        wait_until(
            "reports before the outage", lambda: filers.ok_since(0) >= BEFORE, output=server.output
        )
        cluster.stop("fast")
        down = time.monotonic()
        wait_until(
            "503s while PostgreSQL is down",
            lambda: any(at > down and a.status == 503 for at, a in filers.answers),
            output=server.output,
        )
        page = server.call("GET", "/outlets/")  # the portal's outlet finder reads the database
        cluster.start()
        back = time.monotonic()
        wait_until(
            "reports after the outage", lambda: filers.ok_since(back) >= AFTER, output=server.output
        )
        filers.stop.set()
        retried = [filers.file(body, key) for body, key in filers.refused]
        master = server.process.pid
        assert server.process.poll() is None

    assert (page.status, page.content_type, page.headers.get("retry-after")) == (
        503,
        "text/html",
        "5",
    )
    assert "服务暂时中断" in page.body.decode()
    assert filers.failures == []
    statuses = sorted({a.status for _, a in filers.answers})
    assert statuses == [201, 503], server.output()
    refused = [a for _, a in filers.answers if a.status == 503]
    assert {(a.content_type, a.problem_code) for a in refused} == {
        ("application/problem+json", "unavailable")
    }
    assert all(a.headers.get("retry-after") for a in refused)
    assert retried, "no report was refused during the outage"
    assert {(a.status, a.problem_code) for a in retried} == {(201, None)}, [
        (a.status, a.body) for a in retried
    ]
    answered = {a.json()["reference"] for _, a in filers.answers if a.status == 201}
    answered |= {a.json()["reference"] for a in retried}

    held = census(url)
    assert answered <= set(held)
    for reference, facts in held.items():
        assert facts == {
            "card_status": "temporarily_lost",
            "audit_events": 1,
            "outbox": ["card.blocked", "loss_report_effective"],
        }, reference
    verified = sscard(url, tmp_path, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert master == server.process.pid
