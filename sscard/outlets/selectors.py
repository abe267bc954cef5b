"""Reading outlets: one by its code, the ones near a place or offering a service, whether one is
open, and the districts they stand in."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from sscard.common import clock
from sscard.common.errors import ErrorCode, FieldError, NotFound, ValidationError, check_one_of
from sscard.common.regions import region_name
from sscard.outlets.models import Outlet, OutletType, Service


def get_outlet(code: str) -> Outlet:
    outlet = Outlet.objects.filter(code=str(code).strip().upper(), active=True).first()
    if outlet is None:
        raise NotFound("No outlet with this code.", code=ErrorCode.OUTLET_NOT_FOUND)
    return outlet


def is_open_at(outlet: Outlet, moment: dt.datetime | None = None) -> bool:
    """Whether `moment` (local time) falls in one of the outlet's opening spans that day."""
    local = timezone.localtime(moment or clock.now())
    spans = outlet.hours.get(str(local.isoweekday()), []) if isinstance(outlet.hours, dict) else []
    hhmm = local.strftime("%H:%M")
    return any(start <= hhmm < end for start, end in spans)


EARTH_RADIUS_KM = 6371.0088


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the haversine formula."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class FoundOutlet:
    outlet: Outlet
    distance_km: float | None
    open_now: bool


def parse_near(value: str) -> tuple[float, float]:
    """`lat,lon` in degrees, as a person or a map gives it."""
    parts = str(value).split(",")
    error = ValidationError(
        "`near` must be latitude,longitude in degrees, e.g. 23.13,113.26.",
        code=ErrorCode.INVALID_FILTER,
        errors=[FieldError("near", "must be lat,lon with -90<=lat<=90 and -180<=lon<=180")],
    )
    if len(parts) != 2:
        raise error
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise error from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise error
    return lat, lon


def _check_choice(field: str, value: str | None, choices: list[str]) -> None:
    if value is not None:
        check_one_of(
            value,
            choices,
            field=field,
            detail=f"Unknown {field} {value!r}.",
            code=ErrorCode.INVALID_FILTER,
        )


def find_outlets(
    *,
    service: str | None = None,
    type: str | None = None,
    region: str | None = None,
    near: tuple[float, float] | None = None,
    q: str | None = None,
    limit: int | None = None,
) -> list[FoundOutlet]:
    """The outlet finder: filters by service, type, region prefix and words; nearest first
    when a location is given, else by code. Unknown filter values are refused, never an empty
    list that looks like "nowhere"."""
    _check_choice("service", service, list(Service.values))
    _check_choice("type", type, list(OutletType.values))
    if region is not None and not (region.isdigit() and 2 <= len(region) <= 6):
        raise ValidationError(
            "`region` is a region code or its prefix: 2 to 6 digits.",
            code=ErrorCode.INVALID_FILTER,
            errors=[FieldError("region", "2 to 6 digits")],
        )
    rows = Outlet.objects.filter(active=True).select_related("bank").order_by("code")
    if type:
        rows = rows.filter(type=type)
    if region:
        rows = rows.filter(region_code__startswith=region)
    words = (q or "").strip()
    if words:
        for word in words.split()[:5]:
            rows = rows.filter(Q(name__icontains=word) | Q(address__icontains=word))
    now = clock.now()
    found = [
        FoundOutlet(
            outlet=o,
            distance_km=round(distance_km(near[0], near[1], o.lat, o.lon), 3) if near else None,
            open_now=is_open_at(o, now),
        )
        for o in rows
        if service is None or o.offers(service)
    ]
    if near is not None:
        found.sort(key=lambda f: (f.distance_km, f.outlet.code))
    return found[:limit] if limit else found


@dataclass(frozen=True)
class District:
    """A district with outlets. Its centre (the mean of its outlets' positions) stands for
    "where I am" when a person names a district rather than giving a location."""

    code: str
    name: str
    lat: float
    lon: float


def districts() -> list[District]:
    spots: dict[str, list[tuple[float, float]]] = {}
    for region, lat, lon in Outlet.objects.filter(active=True).values_list(
        "region_code", "lat", "lon"
    ):
        spots.setdefault(region, []).append((lat, lon))
    return [
        District(
            code=code,
            name=region_name(code),
            lat=round(sum(p[0] for p in points) / len(points), 5),
            lon=round(sum(p[1] for p in points) / len(points), 5),
        )
        for code, points in sorted(spots.items())
    ]


def get_district(code: str) -> District:
    found = next((d for d in districts() if d.code == str(code).strip()), None)
    if found is None:
        raise ValidationError(
            "No outlets in this district.",
            code=ErrorCode.INVALID_FILTER,
            errors=[FieldError("region", "is not a district with outlets")],
        )
    return found
