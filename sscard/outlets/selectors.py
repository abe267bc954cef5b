from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sscard.common import clock
from sscard.common.errors import NotFound
from sscard.outlets.models import Outlet


def get_outlet(code: str) -> Outlet:
    outlet = Outlet.objects.filter(code=str(code).strip().upper(), active=True).first()
    if outlet is None:
        raise NotFound("No outlet with this code.", code="outlet_not_found")
    return outlet


def is_open_at(outlet: Outlet, moment: dt.datetime | None = None) -> bool:
    """Whether `moment` (local time) falls in one of the outlet's opening spans that day."""
    local = timezone.localtime(moment or clock.now())
    spans = outlet.hours.get(str(local.isoweekday()), []) if isinstance(outlet.hours, dict) else []
    hhmm = local.strftime("%H:%M")
    return any(start <= hhmm < end for start, end in spans)
