"""Activation and PIN reset at the counter: the clerk checks the documents, then opens the PIN
pad for the holder, who types the PIN there; the clerk never sees it (`pinpad`)."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import pgettext, pgettext_lazy

from sscard.cards.permissions import ACTIVATE, RESET_PIN
from sscard.console.views.base import Summary
from sscard.console.views.counter import CardAction
from sscard.staff.pin_pads import open_pin_pad


class OpenPinPad(CardAction):
    """What the card's service would refuse is refused before the holder types a PIN: before
    the confirmation (`precheck`) and when the pad opens (`open_pin_pad`)."""

    purpose = "activate"

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
    action = ACTIVATE
    title = pgettext_lazy("console", "Activate a card")
    confirm_label = pgettext_lazy("console", "Open the PIN pad")
    purpose = "activate"


class ResetPin(OpenPinPad):
    permission = "reset_pin"
    action = RESET_PIN
    title = pgettext_lazy("console", "Reset or unlock the PIN")
    confirm_label = pgettext_lazy("console", "Open the PIN pad")
    purpose = "reset"
