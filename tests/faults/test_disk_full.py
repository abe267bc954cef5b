"""The disk under the embedded SQLite database fills up while loss reports are filed.

The database (a copy of the test database) lives on a small tmpfs of the test's own, mounted for
it: a real file system that answers ENOSPC, as a full disk does, so SQLite meets SQLITE_FULL
where it really would (growing its write-ahead log). gunicorn (config/gunicorn.py) serves it.
Once a filler file has taken the last free block:

- each loss report is refused with a clean 503 `unavailable` problem (never a 500);
- when space is freed, reports succeed again without restarting gunicorn;
- afterwards `PRAGMA integrity_check` says ok, `sscard audit verify` passes, every report
  answered 201 is there and every report there is whole (card blocked, audit event, outbox);
- a signed-in clerk's console page, whose view only reads, meets the full disk when the session
  is saved after it (every answer saves it: the session lapses after inactivity): the "try
  again shortly" page (503), never an error page, and the page again once space is freed.

Mounting needs root (as in CI); elsewhere the test is skipped. Runs in the SQLite run only.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings

from sscard.common.context import Actor
from sscard.outlets.models import OutletType
from sscard.staff.services import create_staff_user
from tests.factories import BankFactory, OutletFactory, make_card, make_person
from tests.faults.support import ON_POSTGRES, census, gunicorn, service_env, sscard

pytestmark = [
    pytest.mark.skipif(ON_POSTGRES, reason="about SQLite: runs in the SQLite run"),
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (as in CI)"),
    pytest.mark.django_db(transaction=True),
]

WHILE_FULL = 6


@pytest.fixture
def small_disk(transactional_db: None) -> Iterator[Path]:
    """A tmpfs with room for a compact copy of the test database and a few megabytes more."""
    size = os.path.getsize(connection.settings_dict["NAME"]) // 2**20 + 8
    directory = Path(tempfile.mkdtemp(prefix="sscard-faults-disk-"))
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}m,mode=0700", "tmpfs", str(directory)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], capture_output=True, timeout=30)
        directory.rmdir()


def fill(disk: Path) -> Path:
    """Write a file until the disk has no free block left."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as out:
        while True:
            try:
                out.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
        while True:  # the last partial chunk
            try:
                out.write(b"\0" * 512)
            except OSError:
                break
    return filler


def test_a_full_disk_refuses_reports_cleanly_and_corrupts_nothing(
    small_disk: Path, make_token, tmp_path: Path
):
    bank = BankFactory.create()
    people = [make_person(age=30) for _ in range(2 + WHILE_FULL + 2)]
    cards = [make_card(person=p, bank=bank) for p in people]
    token = make_token("loss:report")
    database = small_disk / "sscard.sqlite3"
    with closing(sqlite3.connect(connection.settings_dict["NAME"])) as source:
        source.execute("VACUUM INTO ?", (str(database),))  # a compact copy, as committed
    url = f"sqlite:///{database}"

    def report(n: int):
        person, card = people[n], cards[n]
        return server.call(
            "POST",
            "/api/v1/loss-reports",
            {
                "card_number": card.number,
                "kind": "temporary",
                "channel": "hotline",
                "reporter": {
                    "social_security_number": person.social_security_number,
                    "name": person.name,
                    "relation": "self",
                },
            },
            token=token,
        )

    with gunicorn(url, tmp_path, workers=1) as server:
        before = [report(n) for n in range(2)]
        filler = fill(small_disk)
        full = [report(n) for n in range(2, 2 + WHILE_FULL)]
        filler.unlink()
        after = [report(n) for n in range(2 + WHILE_FULL, len(people))]
        log = server.output()

    assert [a.status for a in before + after] == [201] * 4, log
    assert {(a.status, a.content_type, a.problem_code) for a in full} == {
        (503, "application/problem+json", "unavailable")
    }, log
    assert all(a.headers.get("retry-after") for a in full)
    assert "Internal Server Error" not in log

    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    verified = sscard(url, tmp_path, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    held = census(url)
    assert set(held) == {a.json()["reference"] for a in before + after}
    for reference, facts in held.items():
        assert facts == {
            "card_status": "temporarily_lost",
            "audit_events": 1,
            "outbox": ["card.blocked", "loss_report_effective"],
        }, reference


def test_a_signed_in_page_meets_a_full_disk_with_the_outage_page(small_disk: Path, tmp_path: Path):
    bureau = OutletFactory.create(type=OutletType.HRSS_BUREAU)
    supervisor: Any = create_staff_user(
        actor=Actor.system(),
        username="supervisor-1",
        password=None,
        role="supervisor",
        outlet_code=bureau.code,
    )
    desk = Client()
    with override_settings(SECRET_KEY=service_env("", tmp_path)["SECRET_KEY"]):
        desk.force_login(supervisor)  # signed as the server signs; its row is copied below
    cookie = {"Cookie": f"sessionid={desk.cookies['sessionid'].value}"}
    database = small_disk / "sscard.sqlite3"
    with closing(sqlite3.connect(connection.settings_dict["NAME"])) as source:
        source.execute("VACUUM INTO ?", (str(database),))
    url = f"sqlite:///{database}"

    with gunicorn(url, tmp_path, workers=1) as server:
        before = server.call("GET", "/console/", headers=cookie)
        filler = fill(small_disk)
        full = server.call("GET", "/console/", headers=cookie)
        filler.unlink()
        after = server.call("GET", "/console/", headers=cookie)
        log = server.output()

    assert (before.status, after.status) == (200, 200), log
    assert full.status == 503, log
    assert "Service briefly unavailable" in full.body.decode()
    assert full.headers.get("retry-after") == "5"
    assert "Internal Server Error" not in log and "Traceback" not in log
    assert "database unavailable in GET /console/" in log
