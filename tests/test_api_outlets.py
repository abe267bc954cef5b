"""API v1 outlet finder (API.md "Outlets"): public, filtered, nearest first by great-circle
distance. Unknown filter values are refused, never answered with a list that looks like
"nowhere"."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

import pytest

from sscard.common.clock import frozen_at
from sscard.outlets.models import Outlet, OutletType, Service
from tests.factories import BankFactory, make_outlet, nothing_changes

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A Tuesday, 10:00 in Beijing.
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
WEEKDAYS = {str(d): [["08:30", "12:00"], ["14:00", "17:30"]] for d in range(1, 6)}
AFTERNOONS = {str(d): [["14:00", "17:30"]] for d in range(1, 8)}
# The IUGG mean Earth radius, the one the finder uses.
EARTH_RADIUS_KM = 6371.0088
HERE = "23.0,113.0"


def law_of_cosines_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance by another formula than the finder's haversine: the two
    agree to well under a metre at these distances."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cos_angle = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH_RADIUS_KM * math.acos(cos_angle)


# 0.1 degree along a meridian is exactly pi * R / 1800 = 11.1195 km; 0.05 degree is half that.
NORTH_10 = round(math.pi * EARTH_RADIUS_KM / 1800, 3)
NORTH_05 = round(math.pi * EARTH_RADIUS_KM / 3600, 3)
EAST_10 = law_of_cosines_km(23.0, 113.0, 23.0, 113.1)
BEIJING = law_of_cosines_km(23.0, 113.0, 39.9042, 116.4074)


@pytest.fixture(autouse=True)
def clock_at_t0() -> Iterator[None]:
    with frozen_at(T0):
        yield


@pytest.fixture
def outlets() -> dict[str, Outlet]:
    icbc = BankFactory.create(code="ICBC", name="中国工商银行")
    return {
        "GZN010": make_outlet(
            code="GZN010",
            name="工商银行天河北支行",
            type=OutletType.BANK_OUTLET,
            bank=icbc,
            address="广州市天河区天河北路 100 号",
            region_code="440106",
            lat=23.1,
            lon=113.0,
            phone="020-12345678",
            hours=WEEKDAYS,
            services=[
                Service.FORMAL_LOSS_REPORT,
                Service.REISSUE,
                Service.INSTANT_ISSUANCE,
                Service.COLLECTION,
                Service.ACTIVATION,
            ],
        ),
        "GZN005": make_outlet(
            code="GZN005",
            name="天河区社会保险经办中心",
            type=OutletType.SOCIAL_INSURANCE_AGENCY,
            address="广州市天河区体育西路 5 号",
            region_code="440106",
            lat=23.05,
            lon=113.0,
            hours=AFTERNOONS,
        ),
        "GZE010": make_outlet(
            code="GZE010",
            name="越秀区自助服务终端",
            type=OutletType.SELF_SERVICE_TERMINAL,
            address="广州市越秀区中山五路 10 号",
            region_code="440104",
            lat=23.0,
            lon=113.1,
            services=[Service.TEMPORARY_LOSS_REPORT, Service.INQUIRY],
        ),
        "BJ0001": make_outlet(
            code="BJ0001",
            name="北京市人力资源和社会保障局",
            type=OutletType.HRSS_BUREAU,
            address="北京市朝阳区",
            region_code="110105",
            lat=39.9042,
            lon=116.4074,
        ),
        "GZOLD1": make_outlet(
            code="GZOLD1",
            name="天河区旧服务点",
            region_code="440106",
            lat=23.0,
            lon=113.0,
            active=False,
        ),
    }


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [o["code"] for o in response.json()]


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith("/" + code)
    assert body["title"] and body["detail"]
    return body


def test_nearest_first_with_the_great_circle_distance(api, outlets):
    response = api.get("/outlets", near=HERE)

    assert response.status_code == 200, response.content
    found = [(o["code"], o["distance_km"]) for o in response.json()]
    assert [code for code, _ in found] == ["GZN005", "GZE010", "GZN010", "BJ0001"]
    assert found[0][1] == NORTH_05 == 5.56
    assert found[1][1] == pytest.approx(EAST_10, abs=0.001)
    assert found[2][1] == NORTH_10 == 11.12
    # Guangzhou to Beijing, about 1,907 km as the crow flies.
    assert found[3][1] == pytest.approx(BEIJING, abs=0.001)
    assert round(found[3][1]) == 1907


def test_an_outlet_shows_what_a_citizen_needs_to_go_there(api, outlets):
    response = api.get("/outlets", near=HERE, type="bank_outlet")

    assert response.status_code == 200, response.content
    assert response.json() == [
        {
            "code": "GZN010",
            "name": "工商银行天河北支行",
            "type": "bank_outlet",
            "address": "广州市天河区天河北路 100 号",
            "region_code": "440106",
            "lat": 23.1,
            "lon": 113.0,
            "phone": "020-12345678",
            "hours": WEEKDAYS,
            "services": [
                "formal_loss_report",
                "reissue",
                "instant_issuance",
                "collection",
                "activation",
            ],
            "open_now": True,
            "bank_code": "ICBC",
            "distance_km": 11.12,
        }
    ]


def test_without_near_outlets_come_by_code_without_distance(api, outlets):
    response = api.get("/outlets")

    assert codes(response) == ["BJ0001", "GZE010", "GZN005", "GZN010"]
    assert {o["distance_km"] for o in response.json()} == {None}
    # Only bank outlets name a bank.
    assert {o["code"]: o["bank_code"] for o in response.json()} == {
        "BJ0001": None,
        "GZE010": None,
        "GZN005": None,
        "GZN010": "ICBC",
    }


def test_open_now_follows_the_local_opening_hours(api, outlets):
    by_code = {o["code"]: o["open_now"] for o in api.get("/outlets").json()}
    assert (by_code["GZN010"], by_code["GZN005"]) == (True, False)
    # 14:00 on the same Tuesday: the agency has opened.
    with frozen_at(T0.replace(hour=14)):
        by_code = {o["code"]: o["open_now"] for o in api.get("/outlets").json()}
    assert (by_code["GZN010"], by_code["GZN005"]) == (True, True)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"service": "instant_issuance"}, ["GZN010"]),
        ({"service": "temporary_loss_report"}, ["BJ0001", "GZE010", "GZN005"]),
        ({"service": "intake"}, []),
        ({"type": "self_service_terminal"}, ["GZE010"]),
        ({"type": "social_insurance_agency"}, ["GZN005"]),
        ({"region": "4401"}, ["GZE010", "GZN005", "GZN010"]),
        ({"region": "440104"}, ["GZE010"]),
        ({"region": "11"}, ["BJ0001"]),
        ({"region": "3101"}, []),
        ({"q": "天河"}, ["GZN005", "GZN010"]),
        ({"q": "天河 体育西路"}, ["GZN005"]),
        ({"q": "朝阳区"}, ["BJ0001"]),
        ({"q": "nowhere"}, []),
        ({"service": "temporary_loss_report", "near": HERE}, ["GZN005", "GZE010", "BJ0001"]),
        ({"region": "4401", "near": "23.1,113.0"}, ["GZN010", "GZN005", "GZE010"]),
        ({"near": HERE, "limit": 2}, ["GZN005", "GZE010"]),
    ],
)
def test_filters_narrow_the_list(api, outlets, filters, expected):
    assert codes(api.get("/outlets", **filters)) == expected


def test_the_finder_is_public_and_takes_an_outlets_read_token(api, outlets, make_token):
    expected = ["GZN005", "GZE010", "GZN010", "BJ0001"]
    assert codes(api.get("/outlets", near=HERE)) == expected
    assert codes(api.get("/outlets", near=HERE, token=make_token("outlets:read"))) == expected


def test_inactive_outlets_are_never_listed(api, outlets):
    assert "GZOLD1" not in codes(api.get("/outlets", near=HERE))
    assert codes(api.get("/outlets", q="旧服务点")) == []


@pytest.mark.parametrize(
    ("filters", "code", "field"),
    [
        ({"service": "reissues"}, "validation_error", "service"),
        ({"service": "REISSUE"}, "validation_error", "service"),
        ({"type": "bank"}, "validation_error", "type"),
        ({"type": "medical_insurance_agency"}, "validation_error", "type"),
        ({"region": "44A1"}, "validation_error", "region"),
        ({"region": "4"}, "validation_error", "region"),
        ({"region": "4401061"}, "validation_error", "region"),
        ({"near": "guangzhou"}, "invalid_filter", "near"),
        ({"near": "23.1"}, "invalid_filter", "near"),
        ({"near": "23.1,113.0,5"}, "invalid_filter", "near"),
        ({"near": "91,113"}, "invalid_filter", "near"),
        ({"near": "23,181"}, "invalid_filter", "near"),
        ({"near": "nan,113"}, "invalid_filter", "near"),
        ({"near": "1e999,113"}, "invalid_filter", "near"),
        ({"q": "天" * 61}, "validation_error", "q"),
        ({"limit": 0}, "validation_error", "limit"),
        ({"limit": 501}, "validation_error", "limit"),
        ({"limit": "ten"}, "validation_error", "limit"),
        ({"servce": "reissue"}, "invalid_filter", "servce"),
        ({"service": "reissue", "city": "广州"}, "invalid_filter", "city"),
    ],
)
def test_an_unknown_filter_value_is_422_not_an_empty_list(api, outlets, filters, code, field):
    with nothing_changes():
        response = api.get("/outlets", **filters)
    body = problem_of(response, 422, code)
    assert [e["field"] for e in body["errors"]] == [field]
    assert all(e["message"] for e in body["errors"])


def test_an_unknown_service_names_the_known_ones(api, outlets):
    body = problem_of(api.get("/outlets", service="reissues"), 422, "validation_error")
    [error] = body["errors"]
    for service in Service.values:
        assert f"'{service}'" in error["message"]
