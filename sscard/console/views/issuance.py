"""The card's way to the holder at the counter: handing over a card ready here (or recording
a mailed one received), making it on the spot where the outlet can, and withdrawing an
application. Each is one call of one application service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.utils.translation import pgettext, pgettext_lazy

from sscard.applications.models import ApplicationStatus
from sscard.applications.services.cancellation import cancel_application
from sscard.applications.services.collection import hand_over_card
from sscard.applications.services.production import issue_instantly
from sscard.console.forms import EmptyForm, WithdrawForm
from sscard.console.labels import label
from sscard.console.views.base import Summary
from sscard.console.views.counter import ApplicationAction, holder_text


class HandOver(ApplicationAction):
    """A card ready at this outlet is handed over; a mailed card the holder brings in is
    recorded received. Either way it is then sealed until activated."""

    permission = "hand_over_card"
    title = pgettext_lazy("console", "Hand over a card")
    confirm_label = pgettext_lazy("console", "Hand over")

    def heading(self) -> Any:
        if self.app.status == ApplicationStatus.MAILED:
            return pgettext("console", "Record a mailed card received")
        return self.title

    def confirm_text(self) -> Any:
        if self.app.status == ApplicationStatus.MAILED:
            return pgettext("console", "Record it received")
        return self.confirm_label

    def summary(self, form: forms.Form) -> Summary:
        card = self.app.new_card
        rows = [
            (pgettext("console", "Application"), self.app.number),
            (pgettext("console", "New card"), card.number if card else "—"),
        ]
        if self.app.status == ApplicationStatus.MAILED:
            rows.append((pgettext("console", "Tracking number"), self.app.tracking_number or "—"))
        return [
            *rows,
            *self.presenter_summary(form),
            (
                pgettext("console", "Next"),
                pgettext("console", "The card is sealed until it is activated with a PIN."),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        presenter, relation = self.presenter(form)
        app = hand_over_card(
            actor=self.desk.actor,
            application=self.app,
            outlet=self.desk.member.outlet,
            presenter=presenter,
            relation=relation,
            documents=self.documents(form),
        )
        card = app.new_card.number if app.new_card else ""
        return self.to_person(
            pgettext(
                "console", "Card %(card)s is handed over. Activate it now: the holder sets the PIN."
            )
            % {"card": card}
        )


class PaperlessApplicationAction(ApplicationAction):
    """An act on an application that needs no documents at the counter: nothing to check
    before the confirmation, whose summary opens with the application and its holder."""

    def precheck(self, form: forms.Form) -> None:
        return None

    def context(self) -> dict[str, Any]:
        return {"person": self.subject}

    def application_rows(self) -> Summary:
        return [
            (pgettext("console", "Application"), self.app.number),
            (pgettext("console", "Holder"), holder_text(self.subject)),
        ]


class Withdraw(PaperlessApplicationAction):
    permission = "cancel_application"
    title = pgettext_lazy("console", "Withdraw an application")
    confirm_label = pgettext_lazy("console", "Withdraw the application")

    def make_form(self, data: Any = None) -> forms.Form:
        return WithdrawForm(data)

    def summary(self, form: forms.Form) -> Summary:
        return [
            *self.application_rows(),
            (pgettext("console", "Status"), label("application_status", self.app.status)),
            (pgettext("console", "Note"), form.cleaned_data.get("note") or "—"),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        app = cancel_application(
            actor=self.desk.actor, application=self.app, note=form.cleaned_data.get("note", "")
        )
        return self.to_application(
            pgettext("console", "Application %(number)s is withdrawn.") % {"number": app.number}
        )


class IssueInstantly(PaperlessApplicationAction):
    permission = "issue_instantly"
    title = pgettext_lazy("console", "Issue the card on the spot")
    confirm_label = pgettext_lazy("console", "Make the card now")

    def make_form(self, data: Any = None) -> forms.Form:
        return EmptyForm(data)

    def summary(self, form: forms.Form) -> Summary:
        return [
            *self.application_rows(),
            (pgettext("console", "Bank"), self.app.bank.name if self.app.bank else "—"),
            (
                pgettext("console", "Next"),
                pgettext(
                    "console", "The card is made here and now; hand it over, then activate it."
                ),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        app = issue_instantly(
            actor=self.desk.actor, application=self.app, outlet=self.desk.member.outlet
        )
        card = app.new_card.number if app.new_card else ""
        return self.to_application(
            pgettext("console", "Card %(card)s is made and ready to hand over.") % {"card": card}
        )
