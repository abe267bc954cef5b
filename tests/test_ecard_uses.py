"""An electronic card's last use, as the staff console shows it: a verification outside any
transaction notes it and the process writes it a moment later with others' (sscard.ecard.uses),
never over a newer one, and a process that stops cleanly writes what it noted before it ends."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse

from sscard.common.clock import frozen_at
from sscard.common.context import Actor
from sscard.ecard.models import ElectronicCard
from sscard.ecard.services import issue_ecard, make_code, verify_code
from sscard.ecard.uses import flush_uses, note_use
from tests.console_support import build_world
from tests.factories import make_card, make_person
from tests.process_support import database_url

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 10, 10, 0, 30, tzinfo=SHANGHAI)


@pytest.fixture
def ecard(bank) -> ElectronicCard:
    holder = make_person(age=40)
    make_card(person=holder, bank=bank)
    return issue_ecard(actor=Actor.operator(), holder=holder)


def last_used(ecard: ElectronicCard) -> dt.datetime | None:
    return ElectronicCard.objects.get(pk=ecard.pk).last_used_at


def test_a_use_outside_a_transaction_is_written_with_its_own_time(ecard):
    with frozen_at(T0):
        code = make_code(actor=Actor.operator(), holder=ecard.person).code
        verify_code(code)
    flush_uses()
    assert last_used(ecard) == T0


def test_a_later_use_replaces_an_earlier_one_and_never_the_reverse(ecard):
    later = T0 + dt.timedelta(minutes=5)
    ElectronicCard.objects.filter(pk=ecard.pk).update(last_used_at=later)

    note_use(ecard.pk, T0)  # another process wrote `later` first
    flush_uses()
    assert last_used(ecard) == later

    note_use(ecard.pk, later + dt.timedelta(minutes=1))
    note_use(ecard.pk, later + dt.timedelta(seconds=30))  # same card, same batch, older
    flush_uses()
    assert last_used(ecard) == later + dt.timedelta(minutes=1)


def test_the_console_shows_the_last_use_to_the_minute():
    world = build_world()
    issue_ecard(actor=Actor.operator(), holder=world.adult)
    with frozen_at(T0):
        verify_code(make_code(actor=Actor.operator(), holder=world.adult).code)
    flush_uses()
    clerk = world.client("window_clerk")
    clerk.cookies["sscard_language"] = "en"

    page = clerk.get(reverse("console:person", args=[world.adult.reference]))

    words = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode())))
    assert "Last used 2026-03-10 10:00" in words


def test_a_process_that_stops_cleanly_writes_the_uses_it_noted(ecard, tmp_path):
    code = make_code(actor=Actor.operator(), holder=ecard.person).code
    script = (
        "import django; django.setup()\n"
        "from sscard.ecard.services import verify_code\n"
        f"print(verify_code({code!r}).card_number)\n"
    )

    finished = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            "SSCARD_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == ecard.card.number
    assert last_used(ecard) is not None
