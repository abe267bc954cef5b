"""Finding a person, the person's page at the desk, and the audited reveal of an ID number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import pgettext, pgettext_lazy

from sscard.applications.models import OPEN_STATUSES, ApplicationStatus, CardApplication
from sscard.applications.permissions import (
    APPLY_FOR_CARD,
    CANCEL_APPLICATION,
    COMPLETE_INTAKE,
    HAND_OVER_CARD,
    ISSUE_INSTANTLY,
    PRINT_RECEIPT,
    RECORD_INTAKE,
    application_actions,
    applying_actions,
)
from sscard.cards.holders import acts_alone
from sscard.cards.models import Card, CardStatus, LossKind, LossReport
from sscard.cards.permissions import (
    ACTIVATE,
    CONVERTED,
    CREATED,
    EXTENDED,
    LIFT,
    RENEWED,
    RESET_PIN,
)
from sscard.cards.person_cards import cards_of
from sscard.cards.selectors import Effective, card_actions
from sscard.console.access import Desk, desk_view
from sscard.console.forms import RevealForm
from sscard.console.labels import DOCUMENT, REVEAL_REASON
from sscard.console.views.base import find_by_id_number
from sscard.ecard.selectors import latest_ecard
from sscard.people.models import Guardianship, Person
from sscard.people.selectors import (
    documents_needed,
    former_guardianships_of,
    guardianship_ends,
    guardianships_in_force,
    guardianships_of,
    wards_of,
)
from sscard.people.services import reveal_social_security_number
from sscard.staff.selectors import may_see_application

S = ApplicationStatus


def person_url(person: Person) -> str:
    return reverse("console:person", args=[person.reference])


@desk_view("find_person")
def find_person(request: HttpRequest) -> HttpResponse:
    return find_by_id_number(request, "console/find_person.html", then=person_url)


# ---------------------------------------------------------------- the documents checklist


@dataclass(frozen=True)
class Need:
    codes: list[tuple[str, str, bool]]  # code, label, ticked

    @property
    def alternatives(self) -> bool:
        return len(self.codes) > 1


def checklist(guardianship: Guardianship | None, ticked: list[str]) -> list[Need]:
    """The documents the rules ask of this presenter (adult, or guardian of a minor), as
    checkboxes: one row per need, alternatives side by side."""
    return [
        Need([(code, str(DOCUMENT.get(code, code)), code in ticked) for code in need])
        for need in documents_needed(guardian=guardianship)
    ]


def guardianship_for(person: Person, value: str) -> Guardianship | None:
    if not value.startswith("g") or not value[1:].isdigit():
        return None
    return (
        guardianships_in_force()
        .filter(pk=value[1:], ward=person)
        .select_related("guardian")
        .first()
    )


@desk_view()
def documents_checklist(request: HttpRequest, ref: str) -> HttpResponse:
    """The checklist for another presenter, swapped in when the clerk changes who presents."""
    person = get_object_or_404(Person, reference=ref)
    presenter = request.GET.get("presenter", "self")
    ticked = request.GET.getlist("documents")
    return render(
        request,
        "console/_checklist.html",
        {
            "checklist": checklist(guardianship_for(person, presenter), ticked),
            "checklist_url": reverse("console:checklist", args=[person.reference]),
        },
    )


def default_presenter(person: Person, links: list[Guardianship]) -> str:
    """A minor's first guardian presents; an adult presents in person."""
    if links and not acts_alone(person):
        return f"g{links[0].pk}"
    return "self"


# ---------------------------------------------------------------- the person's page


@dataclass
class CardRow:
    card: Card
    state: Effective
    report: LossReport | None
    actions: list[tuple[str, str]]


@dataclass
class ApplicationRow:
    app: CardApplication
    actions: list[tuple[str, str]]


# The button that files a report, by what it would do with the report in force.
_REPORT_LABELS = {
    CREATED: pgettext_lazy("console", "Report lost"),
    RENEWED: pgettext_lazy("console", "Renew the temporary report"),
    CONVERTED: pgettext_lazy("console", "Convert to a formal report"),
    EXTENDED: pgettext_lazy("console", "Report lost"),
}


def card_row(desk: Desk, card: Card) -> CardRow:
    """The card with the buttons for what the card's read model lets this desk do with it
    now; the services decide again on submit."""
    answer = card_actions(card, desk.actor, outlet=desk.member.outlet)
    actions: list[tuple[str, str]] = []
    if desk.may("report_loss"):
        step = answer.report_outcome(LossKind.FORMAL) or answer.report_outcome(LossKind.TEMPORARY)
        if step:
            url = reverse("console:report_loss", args=[card.number])
            actions.append((url, str(_REPORT_LABELS[step])))
    if desk.may("lift_loss_report") and answer.may(LIFT) and answer.report is not None:
        url = reverse("console:lift", args=[answer.report.reference])
        actions.append((url, pgettext("console", "Lift the report")))
    if desk.may("activate_card") and answer.may(ACTIVATE):
        url = reverse("console:activate", args=[card.number])
        actions.append((url, pgettext("console", "Activate")))
    if desk.may("reset_pin") and answer.may(RESET_PIN):
        label = (
            pgettext("console", "Unlock and reset the PIN")
            if answer.state.status == CardStatus.PIN_LOCKED
            else pgettext("console", "Reset the PIN")
        )
        actions.append((reverse("console:reset_pin", args=[card.number]), label))
    return CardRow(card, answer.state, answer.report, actions)


# The bank's making steps, recorded one by one on the production page; accepting the receipt,
# the hand-over and a withdrawal have pages of their own.
MAKING_STEPS = (S.IN_PRODUCTION, S.PRODUCTION_FAILED, S.READY_FOR_COLLECTION, S.MAILED)

# The buttons on an application: the desk permission, the acts of the application's read model
# that the page does (one allowed is enough), the page, and its label.
APPLICATION_BUTTONS: tuple[tuple[str, tuple[str, ...], str, Any], ...] = (
    (
        "complete_intake",
        (COMPLETE_INTAKE,),
        "console:complete_intake",
        pgettext_lazy("console", "Complete the intake"),
    ),
    (
        "print_receipt",
        (PRINT_RECEIPT,),
        "console:receipt",
        pgettext_lazy("console", "Print the receipt"),
    ),
    (
        "accept_receipt",
        (S.BANK_ACCEPTED,),
        "console:accept_receipt",
        pgettext_lazy("console", "Accept the receipt"),
    ),
    (
        "issue_instantly",
        (ISSUE_INSTANTLY,),
        "console:issue_instantly",
        pgettext_lazy("console", "Issue the card now"),
    ),
    (
        "record_production",
        MAKING_STEPS,
        "console:production",
        pgettext_lazy("console", "Record production"),
    ),
    (
        "hand_over_card",
        (HAND_OVER_CARD,),
        "console:hand_over",
        pgettext_lazy("console", "Hand over the card"),
    ),
    (
        "cancel_application",
        (CANCEL_APPLICATION,),
        "console:withdraw",
        pgettext_lazy("console", "Withdraw"),
    ),
)


def application_buttons(desk: Desk, app: CardApplication) -> list[tuple[str, str]]:
    """What the desk's role may do and the application's read model allows now at the desk's
    outlet; the services decide again on submit."""
    allowed = application_actions(app, desk.actor, outlet=desk.member.outlet)
    buttons: list[tuple[str, str]] = []
    for permission, acts, page, label in APPLICATION_BUTTONS:
        if not desk.may(permission) or not any(allowed.may(act) for act in acts):
            continue
        if page == "console:hand_over" and app.status == S.MAILED:
            label = pgettext_lazy("console", "Record the mailed card received")
        args = [] if page == "console:accept_receipt" else [app.number]
        buttons.append((reverse(page, args=args), str(label)))
    return buttons


def person_context(desk: Desk, person: Person) -> dict[str, Any]:
    cards = [card_row(desk, card) for card in cards_of(person, related=("bank",))]
    apps = [
        ApplicationRow(
            app, application_buttons(desk, app) if may_see_application(desk.member, app) else []
        )
        for app in CardApplication.objects.filter(person=person)
        .select_related("outlet", "bank", "new_card", "old_card")
        .order_by("-created_at", "-pk")[:20]
    ]
    open_app = next((row.app for row in apps if row.app.status in OPEN_STATUSES), None)
    applying = applying_actions(person, desk.actor, outlet=desk.member.outlet)
    return {
        "person": person,
        "acts_alone": acts_alone(person),
        "guardians": [(link, guardianship_ends(link)) for link in guardianships_of(person)],
        "former_guardians": [
            (link, guardianship_ends(link)) for link in former_guardianships_of(person)
        ],
        "may_manage_guardianships": desk.may("manage_guardianships"),
        "wards": wards_of(person),
        "cards": cards,
        "applications": apps,
        "open_application": open_app,
        "may_apply": desk.may("apply_for_card") and applying.may(APPLY_FOR_CARD),
        "may_intake": desk.may("record_intake") and applying.may(RECORD_INTAKE),
        "reveal_form": RevealForm() if desk.may("reveal_id_number") else None,
        "ecard": latest_ecard(person),
        "may_revoke_ecard": desk.may("report_loss"),
    }


@desk_view("find_person")
def person_page(request: HttpRequest, ref: str) -> HttpResponse:
    person = get_object_or_404(Person, reference=ref)
    context = person_context(request.desk, person)  # type: ignore[attr-defined]
    return render(request, "console/person.html", context)


@desk_view("find_person", "reveal_id_number")
def reveal(request: HttpRequest, ref: str) -> HttpResponse:
    """Confirm, record in the audit log, then show the whole number on this response only."""
    person = get_object_or_404(Person, reference=ref)
    desk: Desk = request.desk  # type: ignore[attr-defined]
    if request.method != "POST" or "back" in request.POST:
        return HttpResponseRedirect(person_url(person))
    form = RevealForm(request.POST)
    if not form.is_valid():
        context = person_context(desk, person) | {"reveal_form": form}
        return render(request, "console/person.html", context, status=422)
    reason = form.cleaned_data["reason"]
    if "confirm" not in request.POST:
        return render(
            request,
            "console/confirm.html",
            {
                "title": pgettext("console", "Reveal the whole ID number"),
                "summary": [(pgettext("console", "Reason"), str(REVEAL_REASON[reason]))],
                "note": pgettext(
                    "console", "Revealing is recorded in the audit log under your name."
                ),
                "hidden": [("reason", reason)],
                "confirm_label": pgettext("console", "Reveal"),
                "back": person_url(person),
            },
        )
    number = reveal_social_security_number(actor=desk.actor, person=person, reason=reason)
    context = person_context(desk, person) | {"revealed": number}
    return render(request, "console/person.html", context)


def require_visible(desk: Desk, app: CardApplication) -> None:
    if not may_see_application(desk.member, app):
        raise Http404
