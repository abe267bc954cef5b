"""Loss reports at the counter: a formal (or temporary) report, its conversion or renewal, and
lifting a report when the card is found. Each is one call of one card service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.utils.translation import pgettext, pgettext_lazy

from sscard.cards.models import LossKind, LossReport
from sscard.cards.permissions import CONVERTED, LIFT, report_action
from sscard.cards.selectors import effective_of, get_loss_report
from sscard.cards.services import lift_loss_report, report_loss
from sscard.console.forms import LiftForm, LossReportForm
from sscard.console.labels import LOSS_KIND, label
from sscard.console.views.base import Summary
from sscard.console.views.counter import CardAction
from sscard.people.selectors import guardianships_of


class ReportLoss(CardAction):
    permission = "report_loss"
    title = pgettext_lazy("console", "Loss report")
    confirm_label = pgettext_lazy("console", "File the loss report")
    form_class = LossReportForm

    def initial(self) -> dict[str, Any]:
        return super().initial() | {"kind": LossKind.FORMAL}

    def card_action(self, form: forms.Form) -> str:
        return report_action(form.cleaned_data["kind"])

    def summary(self, form: forms.Form) -> Summary:
        kind = form.cleaned_data["kind"]
        what = str(LOSS_KIND[kind])
        answer = self.answer(actions=(report_action(kind),))
        if answer.report is not None and answer.report_outcome(kind) == CONVERTED:
            what = pgettext("console", "convert temporary report %(reference)s to a formal one") % {
                "reference": answer.report.reference
            }
        return [
            (pgettext("console", "Card"), self.card.number),
            (pgettext("console", "Kind of loss report"), what),
            *self.presenter_summary(form),
            (
                pgettext("console", "Effect"),
                pgettext("console", "The card is blocked at once and the bank is told."),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        presenter, relation = self.presenter(form)
        outcome = report_loss(
            actor=self.desk.actor,
            card=self.card,
            kind=form.cleaned_data["kind"],
            reporter=presenter,
            relation=relation,
            documents=self.documents(form),
            outlet=self.desk.member.outlet,
        )
        messages = {
            "created": pgettext(
                "console", "Loss report %(reference)s is effective: card %(card)s is blocked."
            ),
            "converted": pgettext("console", "Loss report %(reference)s is now formal (written)."),
            "renewed": pgettext("console", "Temporary loss report %(reference)s is renewed."),
            "extended": pgettext(
                "console", "Loss report %(reference)s now covers both applications."
            ),
        }
        return self.to_person(
            messages[outcome.action] % {"reference": outcome.report.reference, "card": self.card}
        )


class Lift(CardAction):
    permission = "lift_loss_report"
    action = LIFT
    title = pgettext_lazy("console", "Lift a loss report")
    confirm_label = pgettext_lazy("console", "Lift the report")
    form_class = LiftForm
    report: LossReport

    def load(self, **kwargs: Any) -> None:
        self.report = get_loss_report(kwargs["reference"])
        self.card = self.report.card
        self.subject = self.card.person
        self.links = guardianships_of(self.subject)
        # Refused before the form and its confirmation, which would promise a usable card.
        self.answer(actions=(LIFT,)).check(LIFT)

    def summary(self, form: forms.Form) -> Summary:
        return [
            (pgettext("console", "Loss report"), self.report.reference),
            (pgettext("console", "Card"), self.report.card.number),
            *self.presenter_summary(form),
            (
                pgettext("console", "Effect"),
                pgettext("console", "The card is usable again and the bank is told."),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        presenter, relation = self.presenter(form)
        report = lift_loss_report(
            actor=self.desk.actor,
            report=self.report,
            lifter=presenter,
            relation=relation,
            documents=self.documents(form),
            reason=form.cleaned_data.get("reason", ""),
            outlet=self.desk.member.outlet,
        )
        return self.to_person(
            pgettext("console", "Loss report %(reference)s is lifted: card %(card)s is %(status)s.")
            % {
                "reference": report.reference,
                "card": report.card.number,
                "status": label("card_status", effective_of(report.card).status),
            }
        )
