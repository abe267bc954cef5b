"""The outlet finder: public, or with `outlets:read`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from sscard.api.schemas import OutletOut, OutletTypeName, Problem, ServiceName
from sscard.common.errors import ErrorCode, FieldError, ValidationError
from sscard.outlets.selectors import find_outlets, parse_near

router = Router(tags=["outlets"])


class OutletFilter(Schema):
    model_config = ConfigDict(extra="forbid")

    service: ServiceName | None = None
    type: OutletTypeName | None = None
    region: str | None = Field(None, pattern=r"^\d{2,6}$", description="region code or prefix")
    near: str | None = Field(None, max_length=64, description="lat,lon", examples=["23.13,113.32"])
    q: str | None = Field(None, max_length=60, description="words in the name or address")
    limit: int | None = Field(None, ge=1, le=500)


@router.get(
    "/outlets",
    response={200: list[OutletOut], 422: Problem},
    auth=None,
    summary="Find outlets; nearest first with near=lat,lon",
    operation_id="listOutlets",
)
def find(request: HttpRequest, filters: Query[OutletFilter]) -> list[dict[str, Any]]:
    # A misspelt filter (`servce=reissue`) would otherwise list every outlet, as if it matched.
    unknown = sorted(set(request.GET) - set(OutletFilter.model_fields))
    if unknown:
        raise ValidationError(
            "Unknown filters: " + ", ".join(unknown) + ".",
            code=ErrorCode.INVALID_FILTER,
            errors=[FieldError(name, "is not a filter of this list") for name in unknown],
        )
    near = parse_near(filters.near) if filters.near is not None else None
    found = find_outlets(
        service=filters.service,
        type=filters.type,
        region=filters.region,
        near=near,
        q=filters.q,
        limit=filters.limit,
    )
    return [
        {
            "code": f.outlet.code,
            "name": f.outlet.name,
            "type": f.outlet.type,
            "address": f.outlet.address,
            "region_code": f.outlet.region_code,
            "lat": f.outlet.lat,
            "lon": f.outlet.lon,
            "phone": f.outlet.phone,
            "hours": f.outlet.hours,
            "services": f.outlet.services,
            "open_now": f.open_now,
            "bank_code": f.outlet.bank.code if f.outlet.bank else None,
            "distance_km": f.distance_km,
        }
        for f in found
    ]
