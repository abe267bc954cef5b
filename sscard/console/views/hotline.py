"""12333: find the caller, check identity by ID number, name and security questions, and file a
temporary loss report for the caller's card or a ward's card; or open a call the voice menu
transferred, by its reference, with what the caller keyed in and whether the menu's identity
check passed (then the caller counts as checked, from the time of the menu's check)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from sscard.calls.models import Identity
from sscard.calls.selectors import get_call
from sscard.cards.caller_identity import check_caller_identity, security_questions
from sscard.cards.models import Card, LossKind
from sscard.cards.permissions import REPORT_TEMPORARY
from sscard.cards.person_cards import cards_of
from sscard.cards.selectors import card_actions, get_card
from sscard.cards.services import report_loss
from sscard.common import clock
from sscard.common.errors import DomainError, ErrorCode, Forbidden
from sscard.console.access import Desk, desk_view
from sscard.console.errors import add_refusal
from sscard.console.forms import EmptyForm, IdentityForm
from sscard.console.views.base import DeskAction, Summary, find_by_id_number, refused
from sscard.console.views.counter import holder_text
from sscard.people.masking import mask_name
from sscard.people.models import Person
from sscard.people.selectors import in_reach, people_in_reach, relation_to

VERIFIED = "console.hotline_verified"
VERIFIED_FOR = dt.timedelta(minutes=15)


def _mark_verified(request: HttpRequest, person: Person) -> None:
    verified = dict(request.session.get(VERIFIED, {}))
    verified[str(person.pk)] = clock.now().isoformat()
    request.session[VERIFIED] = verified


def is_verified(request: HttpRequest, person: Person) -> bool:
    stamp = request.session.get(VERIFIED, {}).get(str(person.pk))
    if not stamp:
        return False
    return clock.now() - dt.datetime.fromisoformat(stamp) < VERIFIED_FOR


@desk_view("check_caller_identity")
def find_caller(request: HttpRequest) -> HttpResponse:
    return find_by_id_number(
        request,
        "console/hotline_find.html",
        then=lambda person: reverse("console:hotline_check", args=[person.reference]),
    )


@desk_view("check_caller_identity")
def check_caller(request: HttpRequest, ref: str) -> HttpResponse:
    person = get_object_or_404(Person, reference=ref)
    desk: Desk = request.desk  # type: ignore[attr-defined]
    form = IdentityForm(request.POST or None, questions=security_questions(person))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                passed = check_caller_identity(
                    actor=desk.actor,
                    person=person,
                    name=form.cleaned_data["name"],
                    answers=form.answers(),
                )
            except DomainError as error:
                return refused(
                    request,
                    add_refusal(form, error),
                    status=error.status,
                    back=reverse("console:hotline"),
                )
            if passed:
                _mark_verified(request, person)
                return HttpResponseRedirect(
                    reverse("console:hotline_caller", args=[person.reference])
                )
            form.add_error(
                None,
                pgettext(
                    "console",
                    "The name or the answers do not match the record. Nothing was filed; the "
                    "failed check is recorded.",
                ),
            )
            status = 403
        else:
            status = 422
    return render(
        request, "console/hotline_check.html", {"form": form, "person": person}, status=status
    )


def _card_rows(
    desk: Desk, caller: Person, people: list[tuple[Person, str]]
) -> list[dict[str, Any]]:
    """The caller's cards and their wards', each with whether the caller may report it lost
    (or renew its temporary report) by phone now, as the card's read model says."""
    rows = []
    for person, relation in people:
        for card in cards_of(person, related=("bank",))[:3]:
            answer = card_actions(
                card, desk.actor, person=caller, relation=relation, actions=(REPORT_TEMPORARY,)
            )
            rows.append(
                {
                    "person": person,
                    "relation": relation,
                    "card": card,
                    "state": answer.state,
                    "report": answer.report,
                    "reportable": answer.may(REPORT_TEMPORARY),
                }
            )
    return rows


@desk_view("check_caller_identity")
def caller(request: HttpRequest, ref: str) -> HttpResponse:
    person = get_object_or_404(Person, reference=ref)
    desk: Desk = request.desk  # type: ignore[attr-defined]
    if not is_verified(request, person):
        return HttpResponseRedirect(reverse("console:hotline_check", args=[person.reference]))
    people = [(p, relation_to(person, p.pk)) for p in people_in_reach(person)]
    wards = [p for p, relation in people if p.pk != person.pk and relation == "guardian"]
    return render(
        request,
        "console/hotline_caller.html",
        {"person": person, "rows": _card_rows(desk, person, people), "wards": wards},
    )


class HotlineReport(DeskAction):
    permission = "report_loss_by_phone"
    title = pgettext_lazy("console", "Temporary loss report by phone")
    confirm_label = pgettext_lazy("console", "File the temporary report")
    caller: Person
    card: Card

    def load(self, **kwargs: Any) -> None:
        self.caller = get_object_or_404(Person, reference=kwargs["ref"])
        if not is_verified(self.request, self.caller):
            raise Forbidden(
                "The caller's identity has not been checked.", code=ErrorCode.IDENTITY_NOT_CHECKED
            )
        self.card = get_card(kwargs["number"])
        if not in_reach(self.caller, self.card.person_id):
            raise Http404

    @property
    def relation(self) -> str:
        return relation_to(self.caller, self.card.person_id)

    def make_form(self, data: Any = None) -> forms.Form:
        return EmptyForm(data)

    def precheck(self, form: forms.Form) -> None:
        """What the card's service would refuse, refused before the agent reads the summary."""
        card_actions(
            self.card,
            self.desk.actor,
            person=self.caller,
            relation=self.relation,
            actions=(REPORT_TEMPORARY,),
        ).check(REPORT_TEMPORARY)

    def back_url(self) -> str:
        return reverse("console:hotline_caller", args=[self.caller.reference])

    def summary(self, form: forms.Form) -> Summary:
        who = (
            pgettext("console", "the holder")
            if self.relation == "self"
            else pgettext("console", "%(name)s, guardian") % {"name": mask_name(self.caller.name)}
        )
        return [
            (pgettext("console", "Card"), self.card.number),
            (pgettext("console", "Holder"), holder_text(self.card.person)),
            (pgettext("console", "Reported by"), who),
            (
                pgettext("console", "Effect"),
                pgettext(
                    "console",
                    "The card is blocked at once; the report lapses unless it is made formal at "
                    "a window or bank.",
                ),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        outcome = report_loss(
            actor=self.desk.actor,
            card=self.card,
            kind=LossKind.TEMPORARY,
            reporter=self.caller,
            relation=self.relation,
        )
        report = outcome.report
        until = timezone.localtime(report.expires_at) if report.expires_at else None
        self.done(
            pgettext(
                "console",
                "Temporary loss report %(reference)s is effective until %(until)s: card "
                "%(card)s is blocked. Tell the caller the reference.",
            )
            % {
                "reference": report.reference,
                "until": f"{until:%Y-%m-%d %H:%M}" if until else "—",
                "card": self.card.number,
            }
        )
        return HttpResponseRedirect(self.back_url())


@desk_view("check_caller_identity")
def transferred_call(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        call = get_call(reference)
    except DomainError:
        raise Http404 from None
    # The menu's keypad check (the last four digits of the mobile number) is shown, and leads
    # to the caller; it does not stand for the agent's check of the name and the questions,
    # which opens the caller's records and cards to the agent.
    passed = call.identity == Identity.PASSED and call.person is not None
    return render(request, "console/call.html", {"call": call, "passed": passed})


@desk_view("check_caller_identity")
def find_call(request: HttpRequest) -> HttpResponse:
    """The reference the call came with, typed in: the call's page."""
    reference = "".join(ch for ch in request.GET.get("reference", "") if ch.isdigit())[:16]
    if reference:
        try:
            call = get_call(reference)
        except DomainError:
            call = None
        if call is not None:
            return HttpResponseRedirect(reverse("console:call", args=[call.reference]))
    return render(
        request,
        "console/call_find.html",
        {"reference": reference, "missing": bool(reference)},
        status=404 if reference else 200,
    )
