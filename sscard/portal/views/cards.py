"""My cards (and my children's): each with its two statuses in plain words and what to do next;
report a loss, renew it, and lift it after a fresh one-time code."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from sscard.applications.selectors import applications_of
from sscard.cards.models import Card, LossKind
from sscard.cards.permissions import LIFT
from sscard.cards.services import lift_loss_report, report_loss
from sscard.common.errors import DomainError
from sscard.common.http import client_address
from sscard.people.masking import mask_phone
from sscard.people.selectors import relation_to
from sscard.portal import formats, session
from sscard.portal.errors import add_domain_error
from sscard.portal.forms import CodeForm, ReportForm
from sscard.portal.presenters import card_view, holder_view, holders
from sscard.portal.session import citizen_required
from sscard.portal.views.common import card_in_reach, posted, reached
from sscard.signin import services as signin

LIFT_KEY = "portal.lift"  # the card whose lifting a confirmation code was sent for


def _card_url(number: str) -> str:
    return reverse("portal:cards") + f"#card-{number}"


@citizen_required
def cards(request: HttpRequest) -> HttpResponse:
    me = request.person  # type: ignore[attr-defined]
    return render(request, "portal/cards.html", {"me": me, "holders": holders(me)})


@citizen_required
@reached(card_in_reach)
def card(request: HttpRequest, found: Card) -> HttpResponse:
    me = request.person  # type: ignore[attr-defined]
    holder = holder_view(found.person, acting=me)
    view = card_view(found, acting=me, apps=holder.applications)
    context = {
        "me": me,
        "holder": holder,
        "c": view,
        "reports": found.loss_reports.order_by("-effective_at", "-pk"),
        "applications": [
            a for a in holder.applications if found.pk in (a.old_card_id, a.new_card_id)
        ],
    }
    return render(request, "portal/card.html", context)


@citizen_required
@reached(card_in_reach)
def report(request: HttpRequest, found: Card) -> HttpResponse:
    """A temporary loss report, or its renewal when one is running (DOMAIN.md section 4)."""
    me = request.person  # type: ignore[attr-defined]
    view = card_view(found, acting=me, apps=applications_of(found.person))
    renewing = view.actions.may_renew
    form: forms.Form = forms.Form(posted(request)) if renewing else ReportForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            outcome = report_loss(
                actor=session.actor(me),
                card=found,
                kind=LossKind.TEMPORARY,
                reporter=me,
                relation=relation_to(me, found.person_id),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            values = {
                "card": found.number,
                "until": formats.moment(outcome.report.expires_at),
            }
            if outcome.action == "renewed":
                text = _("The report is renewed: card %(card)s stays blocked until %(until)s.")
            else:
                text = _(
                    "Card %(card)s is blocked until %(until)s. If you find it, you can cancel "
                    "the report here."
                )
            messages.success(request, text % values)
            return redirect(_card_url(found.number))
    return render(request, "portal/report.html", {"c": view, "form": form, "renewing": renewing})


@citizen_required
@reached(card_in_reach)
def lift(request: HttpRequest, found: Card) -> HttpResponse:
    """Lift a temporary report when the card is found: online only after a fresh code sent to
    the phone of the person signed in (the holder, or the guardian acting for a child)."""
    me = request.person  # type: ignore[attr-defined]
    view = card_view(found, acting=me, apps=applications_of(found.person))
    code_sent = request.session.get(LIFT_KEY) == found.number
    send_form = forms.Form(request.POST if "send" in request.POST else None)
    form = CodeForm(request.POST if "lift" in request.POST else None)
    if request.method == "POST" and "send" in request.POST and send_form.is_valid():
        try:
            view.actions.answer.check(LIFT)
            signin.send_confirmation_code(person=me, client_address=client_address(request))
        except DomainError as exc:
            add_domain_error(send_form, exc)
        else:
            request.session[LIFT_KEY] = found.number
            messages.info(
                request,
                _("We have sent a code to %(phone)s.") % {"phone": mask_phone(me.phone)},
            )
            return redirect("portal:lift", number=found.number)
    if request.method == "POST" and "lift" in request.POST and form.is_valid():
        try:
            view.actions.answer.check(LIFT)
            report = view.actions.report
            assert report is not None  # the read model lifts only a report in force
            signin.confirm_with_code(person=me, code=form.cleaned_data["code"])
            lift_loss_report(
                actor=session.actor(me),
                report=report,
                lifter=me,
                relation=relation_to(me, found.person_id),
                reason="card found (reported on the web)",
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            request.session.pop(LIFT_KEY, None)
            messages.success(
                request,
                _("The loss report is cancelled: card %(card)s works again.")
                % {"card": found.number},
            )
            return redirect(_card_url(found.number))
    context = {
        "c": view,
        "form": form,
        "send_form": send_form,
        "code_sent": code_sent or form.is_bound,
        "masked_phone": mask_phone(me.phone),
    }
    return render(request, "portal/lift.html", context)
