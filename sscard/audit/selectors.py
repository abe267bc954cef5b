"""Reading the audit log."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from sscard.audit.models import AuditEvent


def search_events(
    *, q: str = "", action: str = "", actor_id: str = "", outlet_code: str = ""
) -> QuerySet[AuditEvent]:
    """Newest first (by time, then as written: each bucket's chain has its own seq). `q`
    matches the object's key or the action; the others narrow it down."""
    rows = AuditEvent.objects.order_by("-at", "-id")
    words = q.strip()
    if words:
        rows = rows.filter(Q(object_id=words) | Q(action__startswith=words))
    if action:
        rows = rows.filter(action__startswith=action)
    if actor_id:
        rows = rows.filter(actor_id=actor_id)
    if outlet_code:
        rows = rows.filter(outlet_code=outlet_code.upper())
    return rows


def events_per_day(*, action: str, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """How many events of one action each local day from `first` to `last`."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = (
        AuditEvent.objects.filter(action=action, at__gte=start, at__lt=end)
        .annotate(day=TruncDate("at", tzinfo=zone))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)
