"""Card applications at the counter: a first card, a reissue or a replacement with its terms
(bank, production, delivery, fee), a community's preliminary intake, and a window completing
it. Each is one call of one application service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import pgettext, pgettext_lazy

from sscard.applications.models import ApplicationType
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.intake import complete_intake, record_intake
from sscard.applications.terms import apply_refusal, likely_type, quote_fee, reason_of
from sscard.cards.holders import check_acting_party
from sscard.console.access import Desk
from sscard.console.forms import ApplyForm, CompleteIntakeForm, IntakeForm
from sscard.console.labels import (
    APPLICATION_TYPE,
    DELIVERY,
    FEE_WAIVER,
    PRODUCTION,
    REPLACEMENT_REASON,
)
from sscard.console.views.base import Summary
from sscard.console.views.counter import (
    ApplicationAction,
    CounterAction,
    PersonAction,
    holder_text,
    presenter_text,
)
from sscard.outlets.models import Service
from sscard.partners.models import Bank
from sscard.partners.selectors import banks_open_to
from sscard.people.models import Guardianship, Person
from sscard.people.selectors import guardianship


def bank_choices(desk: Desk) -> list[tuple[str, str]]:
    return list(banks_open_to(desk.actor).values_list("code", "name"))


def _need_text(data: dict[str, Any]) -> str:
    """What is applied for, in words: the type, and a replacement's reason."""
    what = str(APPLICATION_TYPE[data["type"]])
    if reason_of(type=data["type"], reason=data.get("reason", "")):
        what += f" ({REPLACEMENT_REASON.get(data['reason'], data['reason'])})"
    return what


def _who_applies(action: PersonAction, form: forms.Form) -> dict[str, Any]:
    """What an application and an intake made at the desk both name: who acts, for whom and
    by whom, where, and what is applied for (a reason only for a replacement)."""
    data = form.cleaned_data
    presenter, relation = action.presenter(form)
    return {
        "actor": action.desk.actor,
        "type": data["type"],
        "person": action.subject,
        "applicant": presenter,
        "relation": relation,
        "outlet": action.desk.member.outlet,
        "reason": reason_of(type=data["type"], reason=data.get("reason", "")),
    }


class TermsMixin(CounterAction):
    """Bank, production, delivery and fee: the terms of an application."""

    def form_kwargs(self) -> dict[str, Any]:
        outlet = self.desk.member.outlet
        return super().form_kwargs() | {
            "banks": bank_choices(self.desk),
            "instant": outlet.offers(Service.INSTANT_ISSUANCE),
        }

    def bank(self, form: forms.Form) -> Bank | None:
        code = form.cleaned_data.get("bank") or ""
        return Bank.objects.filter(code=code).first() if code else None

    def terms_rows(self, form: forms.Form) -> Summary:
        data = form.cleaned_data
        bank = self.bank(form)
        return [
            (
                pgettext("console", "Bank"),
                bank.name if bank else pgettext("console", "the bank of the old card"),
            ),
            (pgettext("console", "Production"), str(PRODUCTION[data["production"]])),
            (pgettext("console", "Delivery"), str(DELIVERY[data["delivery"]])),
        ]

    def fee_text(self, type: str, reason: str, waiver: str) -> str:
        quote = quote_fee(
            type=type,
            reason=reason,
            person=self.subject,
            outlet=self.desk.member.outlet,
            fee_waiver=waiver,
        )
        if quote.waiver:
            return pgettext("console", "waived (%(why)s)") % {
                "why": FEE_WAIVER.get(quote.waiver, quote.waiver)
            }
        return pgettext("console", "%(amount)s yuan") % {"amount": f"{quote.amount:.2f}"}


class Apply(TermsMixin, PersonAction):
    permission = "apply_for_card"
    title = pgettext_lazy("console", "Card application")
    confirm_label = pgettext_lazy("console", "Apply and issue the receipt")
    form_class = ApplyForm

    def precheck(self, form: forms.Form) -> None:
        refusal = apply_refusal(
            self.desk.actor,
            person=self.subject,
            type=form.cleaned_data["type"],
            bank=self.bank(form),
        )
        if refusal is not None:
            raise refusal
        super().precheck(form)

    def initial(self) -> dict[str, Any]:
        wanted = self.request.GET.get("type", "")
        if wanted not in ApplicationType.values:
            wanted = likely_type(self.subject)
        bank = self.desk.member.outlet.bank
        return super().initial() | {"type": wanted, "bank": bank.code if bank else ""}

    def summary(self, form: forms.Form) -> Summary:
        data = form.cleaned_data
        rows = [
            (pgettext("console", "Application"), _need_text(data)),
            *self.presenter_summary(form),
            *self.terms_rows(form),
        ]
        if data["delivery"] == "mail":
            rows.append((pgettext("console", "Mail address"), data.get("mail_address", "")))
        rows.append(
            (
                pgettext("console", "Fee"),
                self.fee_text(data["type"], data.get("reason", ""), data.get("fee_waiver", "")),
            )
        )
        return rows

    def perform(self, form: forms.Form) -> HttpResponse:
        data = form.cleaned_data
        app = apply_for_card(
            **_who_applies(self, form),
            documents=self.documents(form),
            bank=self.bank(form),
            production=data["production"],
            delivery=data["delivery"],
            mail_address=data.get("mail_address", ""),
            fee_waiver=data.get("fee_waiver", ""),
        )
        self.done(
            pgettext(
                "console",
                "Application %(number)s is made; receipt %(receipt)s is issued. "
                "Print it for the holder.",
            )
            % {"number": app.number, "receipt": app.receipt_number}
        )
        return HttpResponseRedirect(reverse("console:application", args=[app.number]))


class Intake(PersonAction):
    permission = "record_intake"
    title = pgettext_lazy("console", "Preliminary intake")
    confirm_label = pgettext_lazy("console", "Record the intake")
    form_class = IntakeForm

    def precheck(self, form: forms.Form) -> None:
        presenter, relation = self.presenter(form)
        check_acting_party(subject=self.subject, actor=presenter, relation=relation)

    def context(self) -> dict[str, Any]:
        return {"person": self.subject}

    def summary(self, form: forms.Form) -> Summary:
        data = form.cleaned_data
        return [
            (pgettext("console", "Holder"), holder_text(self.subject)),
            (pgettext("console", "Need"), _need_text(data)),
            (pgettext("console", "Applicant"), presenter_text(*self.presenter(form))),
            (pgettext("console", "Note"), data.get("note") or "—"),
            (
                pgettext("console", "Next"),
                pgettext(
                    "console",
                    "The intake goes to the agency's queue; a window checks the documents.",
                ),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        app = record_intake(**_who_applies(self, form), note=form.cleaned_data.get("note", ""))
        return self.to_person(
            pgettext("console", "Intake %(number)s is recorded and waits in the agency's queue.")
            % {"number": app.number}
        )


class CompleteIntake(TermsMixin, ApplicationAction):
    permission = "complete_intake"
    title = pgettext_lazy("console", "Complete an intake")
    confirm_label = pgettext_lazy("console", "Complete and issue the receipt")
    form_class = CompleteIntakeForm

    def initial(self) -> dict[str, Any]:
        bank = self.desk.member.outlet.bank
        return {"bank": bank.code if bank else ""}

    def presenter(self, form: forms.Form) -> tuple[Person, str]:
        return self.app.applicant, self.app.applicant_relation

    def presenting_link(self, form: forms.Form) -> Guardianship | None:
        if self.app.applicant_id == self.app.person_id:
            return None
        return guardianship(self.app.applicant, self.app.person)

    def summary(self, form: forms.Form) -> Summary:
        data = form.cleaned_data
        return [
            (pgettext("console", "Intake"), self.app.number),
            (pgettext("console", "Application"), str(APPLICATION_TYPE[self.app.type])),
            *self.presenter_summary(form),
            *self.terms_rows(form),
            (
                pgettext("console", "Fee"),
                self.fee_text(self.app.type, self.app.reason, data.get("fee_waiver", "")),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        data = form.cleaned_data
        app = complete_intake(
            actor=self.desk.actor,
            application=self.app,
            documents=self.documents(form),
            outlet=self.desk.member.outlet,
            bank=self.bank(form),
            production=data["production"],
            delivery=data["delivery"],
            mail_address=data.get("mail_address", ""),
            fee_waiver=data.get("fee_waiver", ""),
        )
        return self.to_application(
            pgettext(
                "console", "Intake %(number)s is complete; receipt %(receipt)s is issued. Print it."
            )
            % {"number": app.number, "receipt": app.receipt_number}
        )
