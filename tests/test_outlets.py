from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from sscard.common.errors import NotFound
from sscard.outlets.models import Outlet, OutletType
from sscard.outlets.selectors import get_outlet, is_open_at
from tests.factories import OutletFactory

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
WEEKDAYS = {str(d): [["08:30", "12:00"], ["14:00", "17:30"]] for d in range(1, 6)}


def test_opening_hours_follow_local_time_and_weekday():
    outlet = OutletFactory.create(hours=WEEKDAYS)
    monday = dt.datetime(2026, 11, 23, tzinfo=CST)
    assert is_open_at(outlet, monday.replace(hour=8, minute=30)) is True
    assert is_open_at(outlet, monday.replace(hour=12, minute=0)) is False  # lunch break
    assert is_open_at(outlet, monday.replace(hour=17, minute=29)) is True
    assert is_open_at(outlet, monday.replace(hour=17, minute=30)) is False
    saturday = dt.datetime(2026, 11, 28, 10, 0, tzinfo=CST)
    assert is_open_at(outlet, saturday) is False
    # 01:00 UTC on Monday is 09:00 in Guangzhou.
    assert is_open_at(outlet, dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)) is True


def test_get_outlet_by_code_and_unknown_code():
    outlet = OutletFactory.create(code="GZTH01")
    assert get_outlet("gzth01") == outlet
    with pytest.raises(NotFound) as err:
        get_outlet("NOPE")
    assert err.value.code == "outlet_not_found"


def test_a_bank_outlet_must_name_its_bank():
    with pytest.raises(IntegrityError), transaction.atomic():
        OutletFactory.create(type=OutletType.BANK_OUTLET, bank=None)
    assert Outlet.objects.count() == 0


def test_coordinates_must_be_on_earth():
    with pytest.raises(IntegrityError), transaction.atomic():
        OutletFactory.create(lat=123.0)
    assert Outlet.objects.count() == 0


def test_outlet_types_are_the_six_of_the_seeds():
    assert set(OutletType.values) == {
        "community_committee",
        "subdistrict_office",
        "social_insurance_agency",
        "hrss_bureau",
        "bank_outlet",
        "self_service_terminal",
    }
