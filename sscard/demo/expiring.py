"""Cards near their expiry in the demo: a few holders' cards (adults, and children whose parents
act for them) are dated so that they expire within the next 90 days, spread over the weeks, so
that the expiry reminders and the supervisor's dashboard have something to show."""

from __future__ import annotations

import datetime as dt

from sscard.cards.models import Card, CardStatus
from sscard.common import clock
from sscard.demo.bulk import BulkResult
from sscard.policy.selectors import policy_for_region

EVERY = 15  # one holder in this many, of each pool


def _years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years, day=min(day.day, 28))


def bring_expiries_near(bulk: BulkResult) -> int:
    """Date the chosen holders' cards to expire 3 to 88 days from today; how many."""
    today = clock.today()
    chosen = bulk.adults_with_card[::EVERY] + bulk.minors_with_card[::EVERY]
    cards = Card.objects.filter(person_id__in=chosen, status=CardStatus.NORMAL).order_by("pk")
    moved = 0
    for n, card in enumerate(cards):
        card.expires_on = today + dt.timedelta(days=3 + (n * 37) % 86)
        validity = policy_for_region(card.issuing_region_code).card_validity_years
        card.issued_on = _years_before(card.expires_on, validity)
        card.save(update_fields=["expires_on", "issued_on"])
        moved += 1
    return moved
