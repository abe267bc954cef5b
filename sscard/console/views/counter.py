"""Business at a counter with the original documents on the desk: loss reports, lifting,
applications, intakes, hand-over, withdrawal, instant issuance, and the PIN pad for activation
and PIN resets. Each action is one call of one domain service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import pgettext, pgettext_lazy

from sscard.applications.models import ApplicationStatus, ApplicationType, CardApplication
from sscard.applications.permissions import application_access
from sscard.applications.selectors import get_application
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.cancellation import cancel_application
from sscard.applications.services.collection import hand_over_card
from sscard.applications.services.intake import complete_intake, record_intake
from sscard.applications.services.production import issue_instantly
from sscard.applications.terms import apply_refusal, quote_fee
from sscard.cards.holders import check_acting_party
from sscard.cards.models import Card, CardStatus, LossKind, LossReport, LossStatus
from sscard.cards.permissions import card_permissions
from sscard.cards.selectors import effective_of, effective_report, get_card, get_loss_report
from sscard.cards.services import (
    check_counter_documents,
    lift_loss_report,
    report_loss,
    require_outlet_service,
)
from sscard.common.errors import Conflict
from sscard.console.access import Desk
from sscard.console.forms import (
    ApplyForm,
    CompleteIntakeForm,
    CounterForm,
    EmptyForm,
    IntakeForm,
    LiftForm,
    LossReportForm,
    PresenterForm,
    WithdrawForm,
)
from sscard.console.labels import (
    APPLICATION_TYPE,
    DELIVERY,
    DOCUMENT,
    FEE_WAIVER,
    LOSS_KIND,
    PRODUCTION,
    REPLACEMENT_REASON,
    label,
)
from sscard.console.views.base import DeskAction, Summary
from sscard.console.views.people import checklist, default_presenter, person_url
from sscard.outlets.models import Service
from sscard.partners.models import Bank
from sscard.partners.selectors import banks_open_to
from sscard.people.masking import mask_id_number, mask_name
from sscard.people.models import Guardianship, Person
from sscard.people.selectors import guardianship, guardianships_of
from sscard.staff.pin_pads import open_pin_pad
from sscard.staff.selectors import may_see_application


def documents_text(codes: list[str]) -> str:
    return ", ".join(str(DOCUMENT.get(code, code)) for code in codes) or pgettext("console", "none")


def holder_text(person: Person) -> str:
    return f"{mask_name(person.name)}  {mask_id_number(person.social_security_number)}"


class CounterAction(DeskAction):
    """An action on one person's business, with who presents and the documents checklist."""

    subject: Person
    links: list[Guardianship]
    form_class: type[forms.Form] = CounterForm

    def form_kwargs(self) -> dict[str, Any]:
        return {"subject": self.subject, "links": self.links}

    def initial(self) -> dict[str, Any]:
        return {"presenter": default_presenter(self.subject, self.links)}

    def make_form(self, data: Any = None) -> forms.Form:
        return self.form_class(data, initial=self.initial(), **self.form_kwargs())

    def presenter(self, form: forms.Form) -> tuple[Person, str]:
        assert isinstance(form, PresenterForm)
        return form.presenter_and_relation()

    def presenting_link(self, form: forms.Form) -> Guardianship | None:
        value = form.data.get("presenter") if form.is_bound else None
        value = value or form.initial.get("presenter") or "self"
        return next((g for g in self.links if f"g{g.pk}" == value), None)

    def documents(self, form: forms.Form) -> list[str]:
        return list(form.cleaned_data.get("documents") or [])

    def check_documents(self, form: forms.Form) -> None:
        presenter, relation = self.presenter(form)
        check_counter_documents(
            subject=self.subject,
            presenter=presenter,
            relation=relation,
            documents=self.documents(form),
        )

    def precheck(self, form: forms.Form) -> None:
        self.check_documents(form)

    def presenter_summary(self, form: forms.Form) -> Summary:
        presenter, relation = self.presenter(form)
        who = (
            pgettext("console", "the holder")
            if relation == "self"
            else pgettext("console", "%(name)s, guardian") % {"name": mask_name(presenter.name)}
        )
        return [
            (pgettext("console", "Holder"), holder_text(self.subject)),
            (pgettext("console", "Presented by"), who),
            (pgettext("console", "Documents checked"), documents_text(self.documents(form))),
        ]

    def context(self) -> dict[str, Any]:
        form = getattr(self, "_form", None)
        ticked: list[str] = []
        link = None
        if form is not None:
            link = self.presenting_link(form)
            ticked = form.data.getlist("documents") if form.is_bound else []
        return {
            "person": self.subject,
            "checklist": checklist(link, ticked),
            "checklist_url": reverse("console:checklist", args=[self.subject.reference]),
        }

    def render_form(self, form: forms.Form, **kwargs: Any) -> HttpResponse:
        self._form = form
        return super().render_form(form, **kwargs)

    def back_url(self) -> str:
        return person_url(self.subject)

    def to_person(self, message: str) -> HttpResponse:
        self.done(message)
        return HttpResponseRedirect(person_url(self.subject))


class CardAction(CounterAction):
    card: Card

    def load(self, **kwargs: Any) -> None:
        self.card = get_card(kwargs["number"])
        # Refused before the form, as the person's page does not offer it; the service
        # checks again.
        card_permissions(self.desk.actor, self.card).check(self.permission)
        self.subject = self.card.person
        self.links = guardianships_of(self.subject)


class ApplicationAction(CounterAction):
    app: CardApplication

    def load(self, **kwargs: Any) -> None:
        self.app = get_application(kwargs["number"])
        if not may_see_application(self.desk.member, self.app):
            raise Http404
        application_access(self.desk.actor, self.app).check(self.permission)
        self.subject = self.app.person
        self.links = guardianships_of(self.subject)

    def back_url(self) -> str:
        return reverse("console:application", args=[self.app.number])

    def to_application(self, message: str) -> HttpResponse:
        self.done(message)
        return HttpResponseRedirect(self.back_url())


# ---------------------------------------------------------------- loss reports


class ReportLoss(CardAction):
    permission = "report_loss"
    title = pgettext_lazy("console", "Loss report")
    confirm_label = pgettext_lazy("console", "File the loss report")
    form_class = LossReportForm

    def initial(self) -> dict[str, Any]:
        return super().initial() | {"kind": LossKind.FORMAL}

    def precheck(self, form: forms.Form) -> None:
        if form.cleaned_data["kind"] == LossKind.FORMAL:
            self.check_documents(form)
        else:
            presenter, relation = self.presenter(form)
            check_acting_party(subject=self.subject, actor=presenter, relation=relation)

    def summary(self, form: forms.Form) -> Summary:
        report = effective_report(self.card)
        kind = form.cleaned_data["kind"]
        what = str(LOSS_KIND[kind])
        if report is not None and report.kind == LossKind.TEMPORARY and kind == LossKind.FORMAL:
            what = pgettext("console", "convert temporary report %(reference)s to a formal one") % {
                "reference": report.reference
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


class Lift(CounterAction):
    permission = "lift_loss_report"
    title = pgettext_lazy("console", "Lift a loss report")
    confirm_label = pgettext_lazy("console", "Lift the report")
    form_class = LiftForm
    report: LossReport

    def load(self, **kwargs: Any) -> None:
        self.report = get_loss_report(kwargs["reference"])
        card_permissions(self.desk.actor, self.report.card).check(self.permission)
        self.subject = self.report.card.person
        self.links = guardianships_of(self.subject)
        # Refused before the form and its confirmation; the service checks again under lock.
        if self.report.status != LossStatus.EFFECTIVE:
            raise Conflict(
                f"This loss report is {self.report.status}, not effective.",
                code="report_not_effective",
            )
        if self.report.reissue_applied_at is not None:
            raise Conflict(
                "A reissue has been applied for; the old card is on its way to cancellation.",
                code="reissue_in_progress",
            )

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


# ---------------------------------------------------------------- applications


def bank_choices(desk: Desk) -> list[tuple[str, str]]:
    return list(banks_open_to(desk.actor).values_list("code", "name"))


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


class PersonAction(CounterAction):
    def load(self, **kwargs: Any) -> None:
        person = Person.objects.filter(reference=kwargs["ref"]).first()
        if person is None:
            raise Http404
        self.subject = person
        self.links = guardianships_of(person)


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
        cards = list(Card.objects.filter(person=self.subject).order_by("-generation", "-pk")[:1])
        wanted = self.request.GET.get("type", "")
        if wanted not in ApplicationType.values:
            if not cards:
                wanted = ApplicationType.NEW
            elif effective_of(cards[0]).status in (
                CardStatus.FORMALLY_LOST,
                CardStatus.TEMPORARILY_LOST,
                CardStatus.CANCELLED,
            ):
                wanted = ApplicationType.REISSUE
            else:
                wanted = ApplicationType.REPLACEMENT
        bank = self.desk.member.outlet.bank
        return super().initial() | {"type": wanted, "bank": bank.code if bank else ""}

    def summary(self, form: forms.Form) -> Summary:
        data = form.cleaned_data
        what = str(APPLICATION_TYPE[data["type"]])
        if data["type"] == ApplicationType.REPLACEMENT and data.get("reason"):
            what += f" ({REPLACEMENT_REASON.get(data['reason'], data['reason'])})"
        bank = self.bank(form)
        rows = [
            (pgettext("console", "Application"), what),
            *self.presenter_summary(form),
            (
                pgettext("console", "Bank"),
                bank.name if bank else pgettext("console", "the bank of the old card"),
            ),
            (pgettext("console", "Production"), str(PRODUCTION[data["production"]])),
            (pgettext("console", "Delivery"), str(DELIVERY[data["delivery"]])),
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
        presenter, relation = self.presenter(form)
        app = apply_for_card(
            actor=self.desk.actor,
            type=data["type"],
            person=self.subject,
            applicant=presenter,
            relation=relation,
            documents=self.documents(form),
            outlet=self.desk.member.outlet,
            bank=self.bank(form),
            production=data["production"],
            delivery=data["delivery"],
            mail_address=data.get("mail_address", ""),
            fee_waiver=data.get("fee_waiver", ""),
            reason=data.get("reason", "") if data["type"] == ApplicationType.REPLACEMENT else "",
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
        presenter, relation = self.presenter(form)
        who = (
            pgettext("console", "the holder")
            if relation == "self"
            else pgettext("console", "%(name)s, guardian") % {"name": mask_name(presenter.name)}
        )
        what = str(APPLICATION_TYPE[data["type"]])
        if data.get("reason"):
            what += f" ({REPLACEMENT_REASON.get(data['reason'], data['reason'])})"
        return [
            (pgettext("console", "Holder"), holder_text(self.subject)),
            (pgettext("console", "Need"), what),
            (pgettext("console", "Applicant"), who),
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
        data = form.cleaned_data
        presenter, relation = self.presenter(form)
        app = record_intake(
            actor=self.desk.actor,
            type=data["type"],
            person=self.subject,
            applicant=presenter,
            relation=relation,
            outlet=self.desk.member.outlet,
            reason=data.get("reason", "") if data["type"] == ApplicationType.REPLACEMENT else "",
            note=data.get("note", ""),
        )
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
        bank = self.bank(form)
        return [
            (pgettext("console", "Intake"), self.app.number),
            (pgettext("console", "Application"), str(APPLICATION_TYPE[self.app.type])),
            *self.presenter_summary(form),
            (
                pgettext("console", "Bank"),
                bank.name if bank else pgettext("console", "the bank of the old card"),
            ),
            (pgettext("console", "Production"), str(PRODUCTION[data["production"]])),
            (pgettext("console", "Delivery"), str(DELIVERY[data["delivery"]])),
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


# ---------------------------------------------------------------- activation and PIN reset


class OpenPinPad(CardAction):
    purpose = "activate"

    def check_card(self) -> None:
        """What the card's service refuses, refused before the holder types a PIN."""
        status = effective_of(self.card).status
        if self.purpose == "activate":
            require_outlet_service(self.desk.member.outlet, Service.ACTIVATION)
            if status in (CardStatus.IN_PRODUCTION, CardStatus.AWAITING_COLLECTION):
                raise Conflict(
                    "The card has not been collected yet.",
                    code="card_not_collected",
                    card_status=status,
                )
            if status != CardStatus.SEALED:
                raise Conflict(
                    "Only a collected card is activated.",
                    code="card_not_activatable",
                    card_status=status,
                )
        else:
            require_outlet_service(self.desk.member.outlet, Service.PIN_RESET)
            if status not in (CardStatus.NORMAL, CardStatus.PIN_LOCKED):
                raise Conflict(
                    "The PIN of this card cannot be reset.",
                    code="card_not_usable",
                    card_status=status,
                )

    def precheck(self, form: forms.Form) -> None:
        self.check_card()
        super().precheck(form)

    def summary(self, form: forms.Form) -> Summary:
        return [
            (pgettext("console", "Card"), self.card.number),
            *self.presenter_summary(form),
            (
                pgettext("console", "Next"),
                pgettext("console", "The PIN pad opens for the holder; you do not see the PIN."),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        self.check_card()
        presenter, relation = self.presenter(form)
        _pad, token = open_pin_pad(
            member=self.desk.member,
            purpose=self.purpose,
            card=self.card,
            presenter=presenter,
            relation=relation,
            documents=self.documents(form),
        )
        return HttpResponseRedirect(reverse("console:pinpad_wait", args=[token]))


class Activate(OpenPinPad):
    permission = "activate_card"
    title = pgettext_lazy("console", "Activate a card")
    confirm_label = pgettext_lazy("console", "Open the PIN pad")
    purpose = "activate"


class ResetPin(OpenPinPad):
    permission = "reset_pin"
    title = pgettext_lazy("console", "Reset or unlock the PIN")
    confirm_label = pgettext_lazy("console", "Open the PIN pad")
    purpose = "reset"
