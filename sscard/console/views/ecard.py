"""A person's electronic card at the desk: revoking it (confirmed, audited). Whether the
person has one, and when it was last used, is on the person's page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.translation import pgettext, pgettext_lazy

from sscard.console.views.base import DeskAction, Summary
from sscard.console.views.counter import holder_text
from sscard.console.views.people import person_url
from sscard.ecard.selectors import ecard_in_force
from sscard.ecard.services import revoke_ecard
from sscard.people.models import Person

# A clerk who may block a card at a counter may also revoke its electronic card.
PERMISSION = "report_loss"


class RevokeEcard(DeskAction):
    permission = PERMISSION
    title = pgettext_lazy("console", "Revoke the electronic card")
    confirm_label = pgettext_lazy("console", "Revoke the electronic card")
    person: Person

    def load(self, **kwargs: Any) -> None:
        person = Person.objects.filter(reference=kwargs["ref"]).first()
        if person is None or ecard_in_force(person) is None:
            raise Http404
        self.person = person

    def make_form(self, data: Any = None) -> forms.Form:
        return forms.Form(data)

    def summary(self, form: forms.Form) -> Summary:
        ecard = ecard_in_force(self.person)
        assert ecard is not None
        return [
            (pgettext("console", "Holder"), holder_text(self.person)),
            (pgettext("console", "Card"), ecard.card.number),
            (
                pgettext("console", "Effect"),
                pgettext(
                    "console",
                    "Its codes stop being accepted at once; the holder may ask for a new one.",
                ),
            ),
        ]

    def context(self) -> dict[str, Any]:
        return {"person": self.person}

    def back_url(self) -> str:
        return person_url(self.person)

    def perform(self, form: forms.Form) -> HttpResponse:
        revoke_ecard(actor=self.desk.actor, holder=self.person)
        self.done(pgettext("console", "The electronic card is revoked."))
        return HttpResponseRedirect(self.back_url())
