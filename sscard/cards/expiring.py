"""Cards expiring soon, counted by district and by 30-day band: the supervisor's view of the
renewals to come (DOMAIN.md sections 3 and 8). A district is the region code that issued the
card, named from the region table (`common.regions`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from sscard.cards.models import IN_HAND_STATUSES, Card
from sscard.common.regions import region_name

BAND_DAYS = 30
BANDS = 3  # the next 90 days


@dataclass(frozen=True)
class DistrictExpiries:
    region_code: str
    district: str
    bands: tuple[int, ...]  # cards expiring in days 0-29, 30-59, 60-89 from today

    @property
    def total(self) -> int:
        return sum(self.bands)


def band_starts(today: dt.date) -> list[dt.date]:
    """The first day of each band."""
    return [today + dt.timedelta(days=BAND_DAYS * n) for n in range(BANDS)]


def expiring_by_district(today: dt.date) -> list[DistrictExpiries]:
    """Cards in hand (normal, sealed, PIN locked) that expire from today on, within the next
    90 days, per issuing district and band; the districts with the most first."""
    last = today + dt.timedelta(days=BAND_DAYS * BANDS - 1)
    rows = (
        Card.objects.filter(
            status__in=IN_HAND_STATUSES, expires_on__gte=today, expires_on__lte=last
        )
        .values_list("issuing_region_code", "expires_on")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, list[int]] = {}
    for code, expires_on, n in rows:
        band = (expires_on - today).days // BAND_DAYS
        counts.setdefault(code, [0] * BANDS)[band] += n
    found = [DistrictExpiries(code, region_name(code), tuple(n)) for code, n in counts.items()]
    return sorted(found, key=lambda d: (-d.total, d.region_code))
