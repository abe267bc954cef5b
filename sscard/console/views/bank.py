"""The application's page, its receipt, and the bank's part: accepting a receipt and recording
production."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import pgettext, pgettext_lazy

from sscard.applications.models import ApplicationStatus, CardApplication
from sscard.applications.permissions import (
    PRINT_RECEIPT,
    RECORD_PRODUCTION_EVENT,
    allowed_events,
    application_access,
    application_actions,
)
from sscard.applications.receipt_pdf import receipt_pdf
from sscard.applications.selectors import age_in_days, get_application, get_application_by_receipt
from sscard.applications.services.production import record_production_event
from sscard.common.errors import DomainError
from sscard.console.access import Desk, desk_view, forbidden
from sscard.console.errors import refusal_message
from sscard.console.forms import ProductionForm, ReceiptNumberForm
from sscard.console.labels import APPLICATION_STATUS, APPLICATION_TYPE, label
from sscard.console.views.base import DeskAction, Summary, refused
from sscard.console.views.counter import holder_text
from sscard.console.views.people import MAKING_STEPS, application_buttons
from sscard.staff.recorded_acts import record_receipt_print
from sscard.staff.selectors import may_open_applications, may_see_application

S = ApplicationStatus


def _visible(desk: Desk, number: str) -> CardApplication:
    try:
        app = get_application(number)
    except DomainError:
        raise Http404 from None
    if not may_see_application(desk.member, app):
        raise Http404
    return app


@desk_view()
def application_page(request: HttpRequest, number: str) -> HttpResponse:
    desk: Desk = request.desk  # type: ignore[attr-defined]
    if not may_open_applications(desk.member):
        return forbidden(request, pgettext("console", "Your role cannot see card applications."))
    app = _visible(desk, number)
    context = {
        "app": app,
        "events": list(app.events.all()),
        "actions": application_buttons(desk, app),
        "age": age_in_days(app),
    }
    return render(request, "console/application.html", context)


@desk_view("print_receipt")
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    """The Receipt for Reissuing as a PDF, printed by the outlet that issued it. Audited."""
    desk: Desk = request.desk  # type: ignore[attr-defined]
    app = _visible(desk, number)
    refusal = application_actions(app, desk.actor, outlet=desk.member.outlet).refusal(PRINT_RECEIPT)
    if refusal is not None:
        return refused(request, refusal_message(refusal), status=refusal.status)
    pdf = receipt_pdf(app)
    record_receipt_print(actor=desk.actor, application=app)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{app.receipt_number}.pdf"'
    return response


class AcceptReceipt(DeskAction):
    """The holder brings the Receipt for Reissuing to the bank: scan or type its number."""

    permission = "accept_receipt"
    title = pgettext_lazy("console", "Accept a receipt")
    confirm_label = pgettext_lazy("console", "Accept: the bank makes the card")
    template_name = "console/accept_receipt.html"
    app: CardApplication

    def make_form(self, data: Any = None) -> forms.Form:
        return ReceiptNumberForm(data)

    def precheck(self, form: forms.Form) -> None:
        app = get_application_by_receipt(form.cleaned_data["receipt_number"])
        application_access(self.desk.actor, app).check(RECORD_PRODUCTION_EVENT)
        self.app = app

    def summary(self, form: forms.Form) -> Summary:
        app = self.app
        return [
            (pgettext("console", "Receipt number"), app.receipt_number or ""),
            (
                pgettext("console", "Application"),
                f"{app.number} · {APPLICATION_TYPE.get(app.type, app.type)}",
            ),
            (pgettext("console", "Holder"), holder_text(app.person)),
            (pgettext("console", "Status"), label("application_status", app.status)),
            (pgettext("console", "Old card"), app.old_card.number if app.old_card else "—"),
            (
                pgettext("console", "Effect"),
                pgettext(
                    "console",
                    "The old card is cancelled for good and the new card goes into production.",
                )
                if app.type == "reissue"
                else pgettext("console", "The new card goes into production."),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        self.precheck(form)
        app = record_production_event(
            actor=self.desk.actor,
            application=self.app,
            type=S.BANK_ACCEPTED,
            outlet=self.desk.member.outlet,
            note="receipt checked at the counter",
        )
        self.done(
            pgettext("console", "Receipt %(receipt)s is accepted; the card is expected by %(day)s.")
            % {"receipt": app.receipt_number, "day": app.expected_ready_on}
        )
        return HttpResponseRedirect(reverse("console:application", args=[app.number]))


def next_steps(app: CardApplication, desk: Desk) -> list[tuple[str, str]]:
    """The making steps the application's read model allows next (a mailed card is not made
    ready at an outlet, and the other way round)."""
    allowed = allowed_events(app, desk.actor, outlet=desk.member.outlet)
    return [(step, str(APPLICATION_STATUS[step])) for step in MAKING_STEPS if step in allowed]


class Production(DeskAction):
    permission = "record_production"
    title = pgettext_lazy("console", "Record production")
    confirm_label = pgettext_lazy("console", "Record")
    app: CardApplication

    def load(self, **kwargs: Any) -> None:
        self.app = _visible(self.desk, kwargs["number"])
        application_access(self.desk.actor, self.app).check(RECORD_PRODUCTION_EVENT)

    def make_form(self, data: Any = None) -> forms.Form:
        return ProductionForm(data, events=next_steps(self.app, self.desk))

    def back_url(self) -> str:
        return reverse("console:application", args=[self.app.number])

    def context(self) -> dict[str, Any]:
        return {"app": self.app}

    def summary(self, form: forms.Form) -> Summary:
        data = form.cleaned_data
        rows = [
            (pgettext("console", "Application"), self.app.number),
            (pgettext("console", "Holder"), holder_text(self.app.person)),
            (pgettext("console", "Now"), label("application_status", self.app.status)),
            (pgettext("console", "Becomes"), label("application_status", data["event"])),
        ]
        if data["event"] == S.READY_FOR_COLLECTION:
            rows.append((pgettext("console", "Collected at"), str(self.desk.member.outlet.name)))
            rows.append(
                (
                    pgettext("console", "Effect"),
                    pgettext("console", "The holder is told the card is ready, and where."),
                )
            )
        if data.get("tracking_number"):
            rows.append((pgettext("console", "Tracking number"), data["tracking_number"]))
        return rows

    def perform(self, form: forms.Form) -> HttpResponse:
        data = form.cleaned_data
        app = record_production_event(
            actor=self.desk.actor,
            application=self.app,
            type=data["event"],
            outlet=self.desk.member.outlet if data["event"] == S.READY_FOR_COLLECTION else None,
            tracking_number=data.get("tracking_number", ""),
            note=data.get("note", ""),
        )
        self.done(
            pgettext("console", "Application %(number)s is now: %(status)s.")
            % {"number": app.number, "status": label("application_status", app.status)}
        )
        return HttpResponseRedirect(self.back_url())
