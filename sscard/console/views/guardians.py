"""Guardianships at a window (DOMAIN.md section 6): a clerk records a guardian for the person on
the page, changes a guardianship's basis, document or end, and ends one for a reason the law
gives. Each is one call of one service, confirmed first, audited as the clerk."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.translation import pgettext, pgettext_lazy

from sscard.console.forms import EndGuardianshipForm, GuardianshipForm, GuardianshipTermsForm
from sscard.console.labels import GUARDIANSHIP_BASIS, GUARDIANSHIP_END, RELATION
from sscard.console.views.base import DeskAction, Summary
from sscard.console.views.counter import holder_text
from sscard.console.views.people import person_url
from sscard.people.masking import mask_name
from sscard.people.models import Guardianship, Person
from sscard.people.selectors import (
    GuardianshipTerms,
    check_guardianship_open,
    check_guardianship_terms,
    get_person,
)
from sscard.people.services import (
    ENDS_AT_A_WINDOW,
    change_guardianship,
    end_guardianship,
    record_guardianship,
)

PERMISSION = "manage_guardianships"


def terms_summary(terms: GuardianshipTerms) -> Summary:
    return [
        (pgettext("console", "Relation"), str(RELATION.get(terms.relation, terms.relation))),
        (pgettext("console", "Legal basis"), str(GUARDIANSHIP_BASIS.get(terms.basis, terms.basis))),
        (pgettext("console", "Document"), terms.document or "—"),
        (
            pgettext("console", "Ends on"),
            terms.ends_on.isoformat() if terms.ends_on else pgettext("console", "no end date"),
        ),
    ]


def terms_of(form: forms.Form, relation: str) -> GuardianshipTerms:
    data = form.cleaned_data
    return GuardianshipTerms(relation, data["basis"], data.get("document") or "", data["ends_on"])


class RecordGuardian(DeskAction):
    permission = PERMISSION
    title = pgettext_lazy("console", "Record a guardian")
    confirm_label = pgettext_lazy("console", "Record the guardian")
    ward: Person

    def load(self, **kwargs: Any) -> None:
        ward = Person.objects.filter(reference=kwargs["ref"]).first()
        if ward is None:
            raise Http404
        self.ward = ward

    def make_form(self, data: Any = None) -> forms.Form:
        return GuardianshipForm(data)

    def guardian(self, form: forms.Form) -> Person:
        return get_person(form.cleaned_data["guardian_id_number"], field="guardian")

    def precheck(self, form: forms.Form) -> None:
        guardian = self.guardian(form)
        check_guardianship_terms(
            terms_of(form, form.cleaned_data["relation"]),
            ward_birth_date=self.ward.birth_date,
            guardian_birth_date=guardian.birth_date,
        )

    def summary(self, form: forms.Form) -> Summary:
        return [
            (pgettext("console", "Ward"), holder_text(self.ward)),
            (pgettext("console", "Guardian"), holder_text(self.guardian(form))),
            *terms_summary(terms_of(form, form.cleaned_data["relation"])),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        link = record_guardianship(
            actor=self.desk.actor,
            guardian=self.guardian(form),
            ward=self.ward,
            terms=terms_of(form, form.cleaned_data["relation"]),
        )
        self.done(
            pgettext("console", "%(name)s is recorded as a guardian.")
            % {"name": mask_name(link.guardian.name)}
        )
        return HttpResponseRedirect(person_url(self.ward))

    def context(self) -> dict[str, Any]:
        return {"person": self.ward}

    def back_url(self) -> str:
        return person_url(self.ward)


class GuardianshipAction(DeskAction):
    """An action on one recorded guardianship, from its ward's page."""

    permission = PERMISSION
    link: Guardianship

    def load(self, **kwargs: Any) -> None:
        link = (
            Guardianship.objects.filter(pk=kwargs["pk"], ward__reference=kwargs["ref"])
            .select_related("guardian", "ward")
            .first()
        )
        if link is None:
            raise Http404
        self.link = link
        check_guardianship_open(link)

    def header(self) -> Summary:
        return [
            (pgettext("console", "Ward"), holder_text(self.link.ward)),
            (pgettext("console", "Guardian"), holder_text(self.link.guardian)),
        ]

    def context(self) -> dict[str, Any]:
        return {"person": self.link.ward}

    def back_url(self) -> str:
        return person_url(self.link.ward)


class ChangeGuardianship(GuardianshipAction):
    title = pgettext_lazy("console", "Change a guardianship")
    confirm_label = pgettext_lazy("console", "Change the guardianship")

    def make_form(self, data: Any = None) -> forms.Form:
        link = self.link
        initial = {"basis": link.basis, "document": link.document, "ends_on": link.ends_on}
        return GuardianshipTermsForm(data, initial=initial)

    def precheck(self, form: forms.Form) -> None:
        check_guardianship_terms(
            terms_of(form, self.link.relation),
            ward_birth_date=self.link.ward.birth_date,
            guardian_birth_date=self.link.guardian.birth_date,
        )

    def summary(self, form: forms.Form) -> Summary:
        return [*self.header(), *terms_summary(terms_of(form, self.link.relation))]

    def perform(self, form: forms.Form) -> HttpResponse:
        change_guardianship(
            actor=self.desk.actor, link=self.link, terms=terms_of(form, self.link.relation)
        )
        self.done(pgettext("console", "The guardianship is changed."))
        return HttpResponseRedirect(self.back_url())


class EndGuardianship(GuardianshipAction):
    title = pgettext_lazy("console", "End a guardianship")
    confirm_label = pgettext_lazy("console", "End the guardianship")

    def make_form(self, data: Any = None) -> forms.Form:
        return EndGuardianshipForm(data, reasons=ENDS_AT_A_WINDOW)

    def summary(self, form: forms.Form) -> Summary:
        reason = form.cleaned_data["reason"]
        return [
            *self.header(),
            (pgettext("console", "Reason"), str(GUARDIANSHIP_END[reason])),
            (
                pgettext("console", "Effect"),
                pgettext(
                    "console",
                    "From now on the guardian no longer sees or acts for the ward's card, and "
                    "notices go to the ward or the other guardians.",
                ),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        end_guardianship(actor=self.desk.actor, link=self.link, reason=form.cleaned_data["reason"])
        self.done(pgettext("console", "The guardianship is ended."))
        return HttpResponseRedirect(self.back_url())
