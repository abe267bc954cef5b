"""The card handed over (DOMAIN.md section 5, step 6): the holder, or a guardian, collects it
with the original documents at the outlet where it waits, and it is then sealed until activated.
A mailed card is in the holder's hands already: brought with the originals to any counter that
hands cards over, it is recorded received there."""

from __future__ import annotations

from django.db import transaction

from sscard.applications.models import ApplicationStatus, CardApplication
from sscard.applications.permissions import HAND_OVER_CARD, check_application_action
from sscard.applications.services.production import apply_event
from sscard.applications.services.steps import lock_application
from sscard.cards.services import check_counter_documents, clean_documents
from sscard.common.context import Actor
from sscard.outlets.models import Outlet
from sscard.people.models import Person

S = ApplicationStatus


def hand_over_card(
    *,
    actor: Actor,
    application: CardApplication,
    outlet: Outlet,
    presenter: Person,
    relation: str,
    documents: list[str] | None,
) -> CardApplication:
    """Hand over the card waiting at `outlet`, or record a mailed card received there: the
    application is then `collected` and the card `sealed`."""
    check_application_action(actor, application, HAND_OVER_CARD, outlet=outlet, upto="where")
    docs = clean_documents(documents)
    check_counter_documents(
        subject=application.person, presenter=presenter, relation=relation, documents=docs
    )
    with transaction.atomic():
        app, cards = lock_application(application)
        check_application_action(actor, app, HAND_OVER_CARD, outlet=outlet)
        mailed = app.status == S.MAILED
        apply_event(
            actor,
            app,
            cards,
            S.COLLECTED,
            outlet=outlet,
            note="mailed card received at the counter" if mailed else "handed over at the counter",
        )
        return app
