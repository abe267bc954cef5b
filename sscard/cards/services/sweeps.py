"""What time decides about cards: temporary reports that lapse, reminders a day ahead, cards
past their expiry date. Each is safe to run at any time and says how many rows it wrote."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from sscard.cards.holders import notify
from sscard.cards.models import IN_HAND_STATUSES, Card, CardStatus, LossKind, LossReport, LossStatus
from sscard.cards.services.shared import card_event, card_snapshot, save_card, settle_card
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.locking import lock_one


def lapse_due_reports(*, limit: int = 10_000) -> int:
    """Write the lapses of temporary reports that have run out."""
    due = list(
        Card.objects.filter(lost_until__lte=clock.now())
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        with transaction.atomic():
            settle_card(lock_one(Card, pk))
    return len(due)


def remind_lapsing_reports(*, within: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Tell holders a day ahead that their temporary report is about to lapse."""
    now = clock.now()
    due = list(
        LossReport.objects.filter(
            status=LossStatus.EFFECTIVE,
            kind=LossKind.TEMPORARY,
            expires_at__gt=now,
            expires_at__lte=now + within,
            reminder_sent_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            report = (
                LossReport.objects.select_for_update().select_related("card__person").get(pk=pk)
            )
            if report.reminder_sent_at is not None or report.status != LossStatus.EFFECTIVE:
                continue
            report.reminder_sent_at = now
            report.save(update_fields=["reminder_sent_at"])
            notify(
                subject=report.card.person,
                topic="temporary_report_lapsing",
                params={
                    "card_number": report.card.number,
                    "reference": report.reference,
                    "expires_at": report.expires_at.isoformat() if report.expires_at else None,
                },
            )
            sent += 1
    return sent


def expire_cards(*, limit: int = 10_000) -> int:
    """Write `expired` on cards past their expiry date."""
    due = list(
        Card.objects.filter(
            status__in=IN_HAND_STATUSES,
            expires_on__lt=clock.today(),
        )
        # By expiry date, through the index of cards in hand (card_in_hand_expiry): in pk
        # order PostgreSQL walked the whole table when few or none were due.
        .order_by("expires_on", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    actor = Actor.system()
    for pk in due:
        with transaction.atomic():
            card = lock_one(Card, pk)
            if card.expires_on is None or card.expires_on >= clock.today():
                continue
            before = card_snapshot(card)
            card.status = CardStatus.EXPIRED
            save_card(card, "status")
            card_event(actor, "card.expired", card, before)
    return len(due)
