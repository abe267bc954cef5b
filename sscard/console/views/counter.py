"""What every desk action at a counter shares: who presents (the holder or a recorded
guardian), the documents checklist, the summary rows about them, and the loading of its
subject: a card (whose read model the action asks), an application, or a person. The actions
themselves live one module per subject: `loss_reports`, `applications`, `issuance` and
`activation`."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import pgettext

from sscard.applications.models import CardApplication
from sscard.applications.permissions import application_access
from sscard.applications.selectors import get_application
from sscard.cards.models import Card, LossReport
from sscard.cards.permissions import needs_documents
from sscard.cards.selectors import CardActions, card_actions, get_card
from sscard.cards.services import check_counter_documents
from sscard.console.forms import CounterForm, PresenterForm
from sscard.console.labels import DOCUMENT
from sscard.console.views.base import DeskAction, Summary
from sscard.console.views.people import checklist, default_presenter, person_url
from sscard.people.masking import mask_id_number, mask_name
from sscard.people.models import Guardianship, Person
from sscard.people.selectors import guardianships_of
from sscard.staff.selectors import may_see_application


def documents_text(codes: list[str]) -> str:
    return ", ".join(str(DOCUMENT.get(code, code)) for code in codes) or pgettext("console", "none")


def presenter_text(presenter: Person, relation: str) -> str:
    """Who acts at the desk, in words: the holder, or a guardian by their masked name."""
    if relation == "self":
        return pgettext("console", "the holder")
    return pgettext("console", "%(name)s, guardian") % {"name": mask_name(presenter.name)}


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
        return [
            (pgettext("console", "Holder"), holder_text(self.subject)),
            (pgettext("console", "Presented by"), presenter_text(*self.presenter(form))),
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
    """An action on one card. What may be done with it is the card's read model's: another
    bank's card is refused before the form (the person's page offers nothing on it), and the
    action itself, with who presents, before the confirmation; the service checks again."""

    card: Card
    report: LossReport | None = None  # the loss report the action is about, if any
    action: ClassVar[str] = ""  # the read model's name of the action

    def load(self, **kwargs: Any) -> None:
        self.card = get_card(kwargs["number"])
        self.subject = self.card.person
        self.links = guardianships_of(self.subject)
        standing = self.answer(actions=()).standing
        if standing is not None:
            raise standing

    def answer(
        self, form: forms.Form | None = None, *, actions: tuple[str, ...] | None = None
    ) -> CardActions:
        """The read model asked for this desk, and for who presents once the form says."""
        presenter, relation = self.presenter(form) if form is not None else (None, None)
        return card_actions(
            self.card,
            self.desk.actor,
            outlet=self.desk.member.outlet,
            person=presenter,
            relation=relation,
            report=self.report,
            actions=actions,
        )

    def card_action(self, form: forms.Form) -> str:
        return self.action

    def precheck(self, form: forms.Form) -> None:
        action = self.card_action(form)
        self.answer(form, actions=(action,)).check(action)
        if needs_documents(action, self.desk.actor.channel):
            self.check_documents(form)


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


class PersonAction(CounterAction):
    def load(self, **kwargs: Any) -> None:
        person = Person.objects.filter(reference=kwargs["ref"]).first()
        if person is None:
            raise Http404
        self.subject = person
        self.links = guardianships_of(person)
