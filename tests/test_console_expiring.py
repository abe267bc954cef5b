"""The supervisor's dashboard counts the cards expiring in the next 90 days per district and
30-day band, names each district from its region code, and is seen by supervisors only."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from sscard.cards.models import CardStatus
from sscard.common import clock
from tests.console_support import World, build_world
from tests.factories import make_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def in_days(days: int, region: str = "440106", status: str = CardStatus.NORMAL) -> None:
    make_card(
        issuing_region_code=region,
        expires_on=clock.today() + dt.timedelta(days=days),
        status=status,
    )


def rows(html: str) -> list[list[str]]:
    """The expiring cards' table: each row's cells as text."""
    section = html.split('id="expiring"', 1)[1].split("</section>", 1)[0]
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", section, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        found.append([" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return found


def dashboard(world: World, language: str) -> str:
    client: Client = world.client("supervisor")
    client.cookies["sscard_language"] = language
    answer = client.get(reverse("console:dashboard"))
    assert answer.status_code == 200
    return answer.content.decode()


def test_cards_expiring_are_counted_per_district_and_band(world):
    for days in (0, 29, 30, 89):
        in_days(days)  # 天河区
    in_days(45, region="440104")  # 越秀区
    in_days(10, region="440104", status=CardStatus.SEALED)
    in_days(-1)  # expired yesterday: not counted
    in_days(90)  # beyond the 90 days
    in_days(5, status=CardStatus.CANCELLED)
    in_days(5, status=CardStatus.FORMALLY_LOST)

    english = rows(dashboard(world, "en"))
    chinese = rows(dashboard(world, "zh-hans"))

    assert english == [
        ["District", "in 0–29 days", "in 30–59 days", "in 60–89 days", "Total"],
        ["天河区 440106", "2", "1", "1", "4"],
        ["越秀区 440104", "1", "1", "0", "2"],
    ]
    assert chinese[0] == ["区县", "0–29天内", "30–59天内", "60–89天内", "合计"]
    assert chinese[1:] == english[1:]


def test_without_cards_expiring_the_panel_says_so(world):
    in_days(200)

    html = dashboard(world, "en")

    assert "No card expires in the next 90 days." in html
    assert rows(html) == []


@pytest.mark.parametrize("role", ["window_clerk", "bank_clerk", "hotline_agent", "community_clerk"])
def test_only_supervisors_see_it(world, role):
    in_days(10)

    answer = world.client(role).get(reverse("console:dashboard"))

    assert answer.status_code == 403
