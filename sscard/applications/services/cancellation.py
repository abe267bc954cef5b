"""How an application ends without its card in use: withdrawn at the applicant's request (at a
counter), or lapsed when its card waited past the policy's period (the sweep), the card then
sealed off."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet

from sscard.applications.models import ApplicationStatus, CardApplication
from sscard.applications.permissions import (
    CANCEL_APPLICATION,
    TRANSITIONS,
    check_application_action,
)
from sscard.applications.services.production import apply_event
from sscard.applications.services.steps import lock_application
from sscard.common import clock
from sscard.common.context import Actor

S = ApplicationStatus


def cancel_application(
    *, actor: Actor, application: CardApplication, note: str = ""
) -> CardApplication:
    """Withdraw an application at the applicant's request, at a counter."""
    check_application_action(actor, application, CANCEL_APPLICATION, upto="where")
    with transaction.atomic():
        app, cards = lock_application(application)
        check_application_action(actor, app, CANCEL_APPLICATION)
        apply_event(actor, app, cards, S.CANCELLED, outlet=None, note=note)
        return app


# ---------------------------------------------------------------- the lapse


def _due(today: dt.date) -> QuerySet[CardApplication]:
    """A card waits for its holder, at an outlet or mailed, until its day (`collect_by`)."""
    return CardApplication.objects.filter(status__in=TRANSITIONS[S.LAPSED], collect_by__lt=today)


def _is_due(app: CardApplication, today: dt.date) -> bool:
    return (
        app.status in TRANSITIONS[S.LAPSED]
        and app.collect_by is not None
        and app.collect_by < today
    )


def lapse_uncollected(*, limit: int = 10_000) -> int:
    """Applications whose card waited past the policy's period, at an outlet or, mailed, for
    its holder to bring it to a counter: the card is sealed off."""
    due = list(_due(clock.today()).order_by("pk").values_list("pk", flat=True)[:limit])
    actor = Actor.system()
    for pk in due:
        with transaction.atomic():
            app, cards = lock_application(CardApplication.objects.get(pk=pk))
            if not _is_due(app, clock.today()):
                continue
            note = (
                "mailed card not brought to a counter within the policy's period"
                if app.status == S.MAILED
                else "not collected within the policy's period"
            )
            apply_event(actor, app, cards, S.LAPSED, outlet=None, note=note)
    return len(due)
