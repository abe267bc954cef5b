"""Follow an application like a parcel: its timeline, where and until when to collect the card,
and the Receipt for Reissuing as a PDF."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sscard.applications.models import ApplicationEvent, CardApplication
from sscard.applications.receipt_pdf import receipt_pdf
from sscard.applications.selectors import steps_to_come
from sscard.cards.selectors import effective_of
from sscard.outlets.models import Outlet
from sscard.outlets.selectors import is_open_at
from sscard.portal.presenters import documents_for
from sscard.portal.session import citizen_required
from sscard.portal.views.common import application_in_reach, not_found, reached


@dataclass(frozen=True)
class Step:
    status: str
    state: str  # "done", "current" or "todo"
    event: ApplicationEvent | None
    outlet: Outlet | None


def _steps(app_events: list[ApplicationEvent], to_come: list[str]) -> list[Step]:
    """The events that happened, then the steps of the path still to come."""
    codes = {e.outlet_code for e in app_events if e.outlet_code}
    outlets = {o.code: o for o in Outlet.objects.filter(code__in=codes)}
    steps = [
        Step(
            e.status,
            "current" if i == len(app_events) - 1 else "done",
            e,
            outlets.get(e.outlet_code),
        )
        for i, e in enumerate(app_events)
    ]
    return steps + [Step(s, "todo", None, None) for s in to_come]


@citizen_required
@reached(application_in_reach)
def application(request: HttpRequest, app: CardApplication) -> HttpResponse:
    me = request.person  # type: ignore[attr-defined]
    events = list(app.events.order_by("at", "pk"))
    new_card_state = effective_of(app.new_card).status if app.new_card else ""
    collection = app.collection_outlet
    context = {
        "app": app,
        "is_me": app.person_id == me.pk,
        "steps": _steps(events, steps_to_come(app)),
        "activated": new_card_state == "normal",
        "new_card_state": new_card_state,
        "documents": documents_for(app.person, me),
        "collection": collection,
        "collection_open": is_open_at(collection) if collection else False,
    }
    return render(request, "portal/application.html", context)


@citizen_required
@reached(application_in_reach)
def receipt(request: HttpRequest, app: CardApplication) -> HttpResponse:
    if not app.receipt_number:
        return not_found(request)
    response = HttpResponse(receipt_pdf(app), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{app.receipt_number}.pdf"'
    return response
