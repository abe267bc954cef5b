"""The terminal's screens. Each act goes through the domain's services on the `kiosk` channel,
at the terminal's outlet; which buttons a screen offers is the read models' answer; a refusal
is shown in the terminal's words for its code (`sscard.kiosk.errors`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sscard.applications.models import ApplicationEvent, CardApplication, Production
from sscard.applications.permissions import APPLY_FOR_CARD, applying_actions
from sscard.applications.selectors import applications_of, steps_to_come
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.production import issue_instantly
from sscard.cards.caller_identity import check_caller_by_keypad, check_id_card_reading
from sscard.cards.models import Card, LossKind
from sscard.cards.permissions import REPORT_TEMPORARY, VERIFY_PIN
from sscard.cards.person_cards import card_in_hand, cards_of
from sscard.cards.selectors import card_actions, effective_of, get_card
from sscard.cards.services import change_pin, report_loss, verify_pin
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import DomainError, ErrorCode
from sscard.kiosk import session, terminal
from sscard.kiosk.errors import message_for
from sscard.kiosk.session import holder_required, terminal_required
from sscard.outlets.models import Outlet, Service
from sscard.outlets.selectors import find_outlets
from sscard.people.ids import parse_citizen_id
from sscard.people.models import Person
from sscard.people.selectors import get_person, people_in_reach, relation_to
from sscard.records.models import Insurance
from sscard.records.permissions import Reader
from sscard.records.selectors import record_years, records_of
from sscard.records.services import read_records, read_statement

# ---------------------------------------------------------------- enrolment, start and end


def enrol(request: HttpRequest, code: str) -> HttpResponseBase:
    """The enrolment address staff open once on the terminal: a button, then the cookie."""
    if request.method != "POST":
        return render(request, "kiosk/enrol.html", {"code": code})
    try:
        token = terminal.enrol(code)
    except DomainError:
        return render(request, "kiosk/enrol.html", {"code": code, "refused": True}, status=400)
    response = redirect("kiosk:start")
    terminal.keep(response, token)
    return response


@terminal_required
def start(request: HttpRequest) -> HttpResponseBase:
    if session.holder(request) is not None:
        return redirect("kiosk:menu")
    return render(request, "kiosk/start.html", {"outlet": _outlet(request)})


@terminal_required
def end(request: HttpRequest) -> HttpResponseBase:
    """The end of a session (the button, or the idle timer): nothing personal stays."""
    session.end(request)
    response = redirect("kiosk:start")
    response["Clear-Site-Data"] = '"cache"'
    return response


def elsewhere(request: HttpRequest, anything: str) -> HttpResponseBase:
    """Any other address under /kiosk/ leads back to the start: a terminal never shows another
    site's page, from which a person could wander off."""
    return redirect("kiosk:start")


# ---------------------------------------------------------------- identifying


def _person_actor(request: HttpRequest, person: Person) -> Actor:
    return session.actor(request.terminal, person)  # type: ignore[attr-defined]


def parse_reading(reading: str) -> tuple[str, str]:
    """What an ID card reader types: the ID number, then the name (after a space, a tab, a
    comma or a bar); typed on the pad, the ID number alone."""
    text = reading.strip().replace("\t", " ").replace(",", " ").replace("|", " ")
    number, _, name = text.partition(" ")
    return number.strip().upper(), name.strip()


@terminal_required
def id_card(request: HttpRequest) -> HttpResponseBase:
    """Identify by the ID card on the reader (the ID number and the name from the chip). When
    the reader cannot read the card, the ID number typed on the pad, then the last four digits
    of the mobile number on record (a name cannot be typed on a number pad)."""
    if request.method != "POST":
        return render(request, "kiosk/id_card.html", {})
    if "id_number" in request.POST:
        return _typed_id_number(request)
    number, name = parse_reading(request.POST.get("reading", "")[:120])
    if not name:
        try:
            parse_citizen_id(number, field="reading")
        except DomainError as exc:
            error = message_for(exc.code, exc)
            return render(request, "kiosk/id_card.html", {"error": error}, status=400)
        return render(request, "kiosk/id_typed.html", {"id_number": number})
    try:
        person = get_person(number, field="reading")
        passed = check_id_card_reading(
            actor=_person_actor(request, person), person=person, name=name
        )
    except DomainError as exc:
        error = message_for(exc.code, exc)
    else:
        if passed:
            session.start(request, person, session.BY_ID_CARD)
            return redirect("kiosk:menu")
        error = message_for(ErrorCode.IDENTITY_NOT_CHECKED)
    return render(request, "kiosk/id_card.html", {"error": error}, status=400)


def _typed_id_number(request: HttpRequest) -> HttpResponseBase:
    number = request.POST.get("id_number", "").strip().upper()[:18]
    phone_last4 = request.POST.get("phone_last4", "")[:4]
    try:
        person = get_person(number, field="reading")
        passed = check_caller_by_keypad(
            actor=_person_actor(request, person), person=person, phone_last4=phone_last4
        )
    except DomainError as exc:
        # A number with no record reads like a wrong answer: the pad tells nobody who is known.
        code = (
            ErrorCode.IDENTITY_NOT_CHECKED if exc.code == ErrorCode.PERSON_NOT_FOUND else exc.code
        )
        error = message_for(code, exc)
    else:
        if passed:
            session.start(request, person, session.BY_TYPED)
            return redirect("kiosk:menu")
        error = message_for(ErrorCode.IDENTITY_NOT_CHECKED)
    context = {"id_number": number, "error": error}
    return render(request, "kiosk/id_typed.html", context, status=400)


@terminal_required
def card_and_pin(request: HttpRequest) -> HttpResponseBase:
    """Identify by the social security card's number and its PIN (wrong PINs count)."""
    error, number = "", ""
    if request.method == "POST":
        number = request.POST.get("card_number", "").strip().upper()[:20]
        pin = request.POST.get("pin", "")[:20]
        try:
            card = get_card(number)
            verify_pin(actor=_person_actor(request, card.person), card=card, pin=pin)
        except DomainError as exc:
            error = str(message_for(exc.code, exc))
        else:
            session.start(request, card.person, session.BY_CARD_PIN)
            return redirect("kiosk:menu")
    context = {"error": error, "card_number": number}
    return render(request, "kiosk/card_pin.html", context, status=400 if error else 200)


def _outlet(request: HttpRequest) -> Outlet:
    return request.terminal.outlet  # type: ignore[attr-defined]


def _me(request: HttpRequest) -> Person:
    return request.person  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined]


# ---------------------------------------------------------------- the menu


@holder_required
def menu(request: HttpRequest) -> HttpResponse:
    outlet = _outlet(request)
    return render(
        request,
        "kiosk/menu.html",
        {"me": _me(request), "instant": outlet.offers(Service.INSTANT_ISSUANCE)},
    )


# ---------------------------------------------------------------- loss report


@dataclass(frozen=True)
class CardRow:
    card: Card
    person: Person
    status: str
    may_report: bool
    refusal: str


def _card_rows(request: HttpRequest) -> list[CardRow]:
    me, actor = _me(request), _actor(request)
    rows = []
    for person in people_in_reach(me):
        for card in cards_of(person)[:3]:
            answer = card_actions(
                card,
                actor,
                outlet=_outlet(request),
                person=me,
                relation=relation_to(me, person.pk),
                actions=(REPORT_TEMPORARY,),
            )
            refusal = answer.refusal(REPORT_TEMPORARY)
            rows.append(
                CardRow(
                    card,
                    person,
                    answer.state.status,
                    refusal is None,
                    str(message_for(refusal.code, refusal)) if refusal else "",
                )
            )
    return rows


def _in_reach_card(request: HttpRequest, number: str) -> Card | None:
    """The card, if it is the holder's or a ward's; anyone else's reads as none at all."""
    me = _me(request)
    reach = {p.pk for p in people_in_reach(me)}
    card = Card.objects.filter(number=number.strip().upper()).select_related("person").first()
    return card if card is not None and card.person_id in reach else None


@holder_required
def report(request: HttpRequest) -> HttpResponse:
    """Temporary loss report of the holder's card, or a ward's."""
    return render(request, "kiosk/report.html", {"rows": _card_rows(request)})


@holder_required
@require_POST
def report_card(request: HttpRequest, number: str) -> HttpResponse:
    me = _me(request)
    card = _in_reach_card(request, number)
    context: dict[str, Any]
    if card is None:
        context = {"rows": _card_rows(request), "error": message_for(ErrorCode.CARD_NOT_FOUND)}
        return render(request, "kiosk/report.html", context, status=404)
    try:
        outcome = report_loss(
            actor=_actor(request),
            card=card,
            kind=LossKind.TEMPORARY,
            reporter=me,
            relation=relation_to(me, card.person_id),
            outlet=_outlet(request),
        )
    except DomainError as exc:
        context = {"rows": _card_rows(request), "error": message_for(exc.code, exc)}
        return render(request, "kiosk/report.html", context, status=409)
    context = {
        "card": card,
        "report": outcome.report,
        "renewed": outcome.action == "renewed",
        "outlet": _outlet(request),
        "now": clock.now(),
    }
    return render(request, "kiosk/reported.html", context)


# ---------------------------------------------------------------- status and progress


@dataclass(frozen=True)
class Step:
    status: str
    state: str  # "done", "current" or "todo"
    at: dt.datetime | None


def timeline(app: CardApplication) -> list[Step]:
    events: list[ApplicationEvent] = list(app.events.order_by("at", "pk"))
    done = [
        Step(e.status, "current" if i == len(events) - 1 else "done", e.at)
        for i, e in enumerate(events)
    ]
    return done + [Step(s, "todo", None) for s in steps_to_come(app)]


@holder_required
def status(request: HttpRequest) -> HttpResponse:
    people = []
    for person in people_in_reach(_me(request)):
        cards = [(c, effective_of(c)) for c in cards_of(person)[:3]]
        apps = [(a, timeline(a)) for a in applications_of(person)[:2]]
        people.append({"person": person, "cards": cards, "applications": apps})
    return render(request, "kiosk/status.html", {"people": people, "now": clock.now()})


# ---------------------------------------------------------------- PIN change


@holder_required
def pin(request: HttpRequest) -> HttpResponse:
    """Change the PIN of the holder's own card: the old PIN, then the new one twice."""
    me, actor = _me(request), _actor(request)
    card = card_in_hand(me)
    refusal = None
    if card is None:
        refusal = str(message_for(ErrorCode.CARD_NOT_FOUND))
    else:
        answer = card_actions(card, actor, actions=(VERIFY_PIN,)).refusal(VERIFY_PIN)
        refusal = str(message_for(answer.code, answer)) if answer else None
    error, done = "", False
    if request.method == "POST" and card is not None and refusal is None:
        old, new, again = (request.POST.get(k, "")[:20] for k in ("old_pin", "new_pin", "again"))
        if new != again:
            error = str(message_for(ErrorCode.PINS_DIFFER))
        else:
            try:
                change_pin(actor=actor, card=card, old_pin=old, new_pin=new)
            except DomainError as exc:
                error = str(message_for(exc.code, exc))
            else:
                done = True
    context = {"card": card, "refusal": refusal, "error": error, "done": done, "now": clock.now()}
    return render(request, "kiosk/pin.html", context, status=400 if error else 200)


# ---------------------------------------------------------------- reissue


@holder_required
def reissue(request: HttpRequest) -> HttpResponse:
    """A new card made on the spot where the terminal is equipped; elsewhere, where to go."""
    me, actor, outlet = _me(request), _actor(request), _outlet(request)
    equipped = outlet.offers(Service.INSTANT_ISSUANCE)
    context: dict[str, Any] = {"equipped": equipped, "outlet": outlet}
    if not equipped:
        context["nearest"] = find_outlets(
            service=Service.REISSUE, near=(outlet.lat, outlet.lon), limit=5
        )
        return render(request, "kiosk/reissue.html", context)
    refusal = applying_actions(me, actor, outlet=outlet).refusal(APPLY_FOR_CARD)
    old = card_in_hand(me) or cards_of(me).first()
    if request.method == "POST" and refusal is None:
        documents = ["id_card"] if session.identified_by(request) == session.BY_ID_CARD else []
        try:
            app = apply_for_card(
                actor=actor,
                type="reissue",
                person=me,
                applicant=me,
                relation="self",
                documents=documents,
                outlet=outlet,
                production=Production.INSTANT,
            )
            app = issue_instantly(actor=actor, application=app, outlet=outlet)
        except DomainError as exc:
            refusal = exc
        else:
            context.update(app=app, steps=timeline(app), now=clock.now())
            return render(request, "kiosk/reissued.html", context)
    if refusal is not None:
        context["refusal"] = str(message_for(refusal.code, refusal))
        context["nearest"] = find_outlets(
            service=Service.REISSUE, near=(outlet.lat, outlet.lon), limit=5
        )
    context["old"] = old
    status = 409 if request.method == "POST" and refusal is not None else 200
    return render(request, "kiosk/reissue.html", context, status=status)


# ---------------------------------------------------------------- records and statements


def _reader(request: HttpRequest) -> Reader:
    return Reader(actor=_actor(request), person=_me(request))


@holder_required
def records(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    try:
        access = read_records(_reader(request), me, what="contributions")
    except DomainError as exc:
        return render(request, "kiosk/records.html", {"error": str(message_for(exc.code, exc))})
    years = record_years(me, insurances=access.insurances)
    asked = request.GET.get("year", "")
    year = int(asked) if asked.isdigit() and int(asked) in years else (years[0] if years else None)
    rows = []
    if year is not None:
        rows = list(
            records_of(
                me,
                insurances=access.insurances,
                since=dt.date(year, 1, 1),
                until=dt.date(year, 12, 31),
            )
        )
    insurances = [i for i in Insurance.values if i in access.insurances]
    context: dict[str, Any] = {
        "years": years,
        "year": year,
        "rows": rows,
        "insurances": insurances,
    }
    return render(request, "kiosk/records.html", context)


@holder_required
def statement(request: HttpRequest, year: int) -> HttpResponse:
    """The yearly statement to print, issued by the terminal's outlet."""
    try:
        pdf = read_statement(_reader(request), _me(request), year, issued_by=_outlet(request).name)
    except DomainError as exc:
        context = {"error": str(message_for(exc.code, exc))}
        return render(request, "kiosk/records.html", context, status=404)
    answer = HttpResponse(pdf, content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="statement-{year}.pdf"'
    return answer
