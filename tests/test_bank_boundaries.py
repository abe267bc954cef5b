"""Banks stay inside their own cards (DOMAIN.md section 5): a bank's staff and systems see and
move only cards and applications of their own bank. Every card and application service is
called by a clerk of the card's own bank (allowed), of another bank (refused with `wrong_bank`,
nothing changed) and, where it makes sense, at a window bound to no bank (allowed).

A move to another bank is the holder's choice recorded at a window; the old bank then learns
of it by its own webhook, delivered here to a real HTTP server on localhost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command

from sscard.applications.models import ApplicationEvent, ApplicationStatus, CardApplication
from sscard.applications.permissions import application_access
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.cancellation import cancel_application
from sscard.applications.services.collection import hand_over_card
from sscard.applications.services.intake import complete_intake, record_intake
from sscard.applications.services.production import issue_instantly, record_production_event
from sscard.applications.terms import apply_refusal
from sscard.cards.models import BankStatus, Card, CardStatus, LossReport
from sscard.cards.permissions import CARD_ACTIONS
from sscard.cards.selectors import card_actions
from sscard.cards.services import (
    activate_card,
    lift_loss_report,
    report_loss,
    reset_pin,
    verify_pin,
)
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import DomainError
from sscard.notifications.models import OutboxKind, OutboxMessage, OutboxStatus
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.partners.models import Bank
from sscard.people.models import Person
from sscard.staff.pin_pads import open_pin_pad
from tests.console_support import add_staff
from tests.factories import (
    BankFactory,
    BankOutletFactory,
    db_state,
    make_card,
    make_outlet,
    make_person,
)
from tests.receivers import HttpReceiver, http_receiver

pytestmark = pytest.mark.django_db

NEW_PIN = "246813"
FACTORY_PIN = "147258"
SECRET = "whsec_b4nk5-5t4y-1n51d3-th31r-0wn"


@dataclass
class City:
    icbc: Bank
    ccb: Bank
    agency: Outlet
    icbc_outlet: Outlet
    ccb_outlet: Outlet
    window: Actor
    icbc_clerk: Actor
    ccb_clerk: Actor
    community_clerk: Actor
    community: Outlet


def _clerk(role: str, outlet: Outlet, bank: Bank | None = None) -> Actor:
    return Actor(
        kind="staff",
        id=f"{role}-{outlet.code}",
        role=role,
        channel=Channel.BANK if bank else Channel.WINDOW,
        outlet_code=outlet.code,
        bank_code=bank.code if bank else None,
    )


@pytest.fixture
def city() -> City:
    icbc = BankFactory.create(code="ICBC", name="中国工商银行")
    ccb = BankFactory.create(code="CCB", name="中国建设银行")
    agency = make_outlet(code="AG0001")
    icbc_outlet = BankOutletFactory.create(code="BK0001", bank=icbc)
    ccb_outlet = BankOutletFactory.create(code="BK0002", bank=ccb, name="建设银行体育西路支行")
    community = make_outlet(
        code="CC0001",
        type=OutletType.COMMUNITY_COMMITTEE,
        services=[Service.INTAKE, Service.INQUIRY],
    )
    return City(
        icbc=icbc,
        ccb=ccb,
        agency=agency,
        icbc_outlet=icbc_outlet,
        ccb_outlet=ccb_outlet,
        window=_clerk(Role.WINDOW_CLERK, agency),
        icbc_clerk=_clerk(Role.BANK_CLERK, icbc_outlet, icbc),
        ccb_clerk=_clerk(Role.BANK_CLERK, ccb_outlet, ccb),
        community_clerk=_clerk(Role.COMMUNITY_CLERK, community),
        community=community,
    )


def _everything() -> dict[str, Any]:
    """Every row a service could touch, in full, with the audit head and the sequences."""
    return {
        **db_state(),
        "cards": list(Card.objects.order_by("pk").values()),
        "reports": list(LossReport.objects.order_by("pk").values()),
        "applications": list(CardApplication.objects.order_by("pk").values()),
        "timeline": list(ApplicationEvent.objects.order_by("pk").values()),
        "outbox": list(OutboxMessage.objects.order_by("pk").values()),
    }


def wrong_bank(call: Callable[[], object], subject: str) -> DomainError:
    """Refused by the bank rule, and nothing at all changed."""
    before = _everything()
    with pytest.raises(DomainError) as caught:
        call()
    error = caught.value
    assert (error.code, error.status, error.extra) == ("wrong_bank", 403, {"subject": subject})
    assert _everything() == before
    return error


def at(city: City, actor: Actor) -> Outlet:
    return {
        city.window: city.agency,
        city.icbc_clerk: city.icbc_outlet,
        city.ccb_clerk: city.ccb_outlet,
    }[actor]


# ---------------------------------------------------------------- the cards


def _formal(city: City, card: Card, actor: Actor) -> Any:
    return report_loss(
        actor=actor,
        card=card,
        kind="formal",
        reporter=card.person,
        relation="self",
        documents=["id_card"],
        outlet=at(city, actor),
    )


def _temporary(city: City, card: Card, actor: Actor) -> Any:
    return report_loss(
        actor=actor,
        card=card,
        kind="temporary",
        reporter=card.person,
        relation="self",
        outlet=at(city, actor),
    )


Act = Callable[[Actor], object]


def _lift(city: City, card: Card) -> Act:
    report = _formal(city, card, city.window).report
    return lambda actor: lift_loss_report(
        actor=actor,
        report=report,
        lifter=card.person,
        relation="self",
        documents=["id_card"],
        outlet=at(city, actor),
    )


def _activate(city: City, card: Card) -> Act:
    Card.objects.filter(pk=card.pk).update(status=CardStatus.SEALED, pin_hash="")
    card.refresh_from_db()
    return lambda actor: activate_card(
        actor=actor, card=card, pin=NEW_PIN, documents=["id_card"], outlet=at(city, actor)
    )


def _reset(city: City, card: Card) -> Act:
    return lambda actor: reset_pin(
        actor=actor, card=card, new_pin=NEW_PIN, documents=["id_card"], outlet=at(city, actor)
    )


# Each prepares the card, then gives the act to be tried by one actor after another.
CARD_ACTS: dict[str, Callable[[City, Card], Act]] = {
    "formal loss report": lambda c, card: lambda actor: _formal(c, card, actor),
    "temporary loss report": lambda c, card: lambda actor: _temporary(c, card, actor),
    "lift a loss report": _lift,
    "activate": _activate,
    "verify the PIN": lambda c, card: (
        lambda actor: verify_pin(actor=actor, card=card, pin=FACTORY_PIN)
    ),
    "reset the PIN": _reset,
}


@pytest.mark.parametrize("what", CARD_ACTS)
@pytest.mark.parametrize("own", ["icbc_clerk", "window"])
def test_a_bank_moves_only_its_own_banks_cards(city, what, own):
    """The reported case: a CCB clerk filed a formal report on, lifted and reset the PIN of an
    ICBC card. Now only ICBC (and a window) may."""
    card = make_card(person=make_person(), bank=city.icbc)
    act = CARD_ACTS[what](city, card)

    wrong_bank(lambda: act(city.ccb_clerk), "card")

    act(getattr(city, own))


def test_a_card_without_a_bank_is_no_banks_to_move(city):
    card = make_card(person=make_person(), bank=None)

    wrong_bank(lambda: _temporary(city, card, city.icbc_clerk), "card")

    assert _temporary(city, card, city.window).report.card == card


def test_the_pin_pad_does_not_open_for_another_banks_card(city):
    card = make_card(person=make_person(), bank=city.icbc)
    ccb_member = add_staff("bank_clerk", city.ccb_outlet, "ccb-clerk").staff_member

    wrong_bank(
        lambda: open_pin_pad(
            member=ccb_member,
            purpose="reset",
            card=card,
            presenter=card.person,
            relation="self",
            documents=["id_card"],
        ),
        "card",
    )


def test_what_each_actor_may_do_with_a_card(city):
    card = make_card(person=make_person(), bank=city.icbc)

    for allowed in (city.window, city.icbc_clerk):
        answer = card_actions(card, allowed)
        # Only what a card in use refuses to anyone: no report to lift, nothing to activate.
        assert answer.standing is None
        assert {a: r.code for a in CARD_ACTIONS if (r := answer.refusal(a)) is not None} == {
            "lift_loss_report": "report_not_effective",
            "activate_card": "card_not_activatable",
        }
    refused = card_actions(card, city.ccb_clerk)
    assert [a for a in CARD_ACTIONS if refused.may(a)] == []
    refusal = refused.refusal("reset_pin")
    assert refusal is not None and (refusal.code, refusal.status) == ("wrong_bank", 403)
    assert refusal.detail == (
        "This card belongs to another bank; a bank acts only on its own bank's cards."
    )


# ---------------------------------------------------------------- new applications


def _holder_with_lost_card(city: City, bank: Bank) -> tuple[Person, Card]:
    holder = make_person()
    card = make_card(person=holder, bank=bank)
    _formal(city, card, city.window)
    return holder, card


def _apply(city: City, actor: Actor, person: Person, **kw: Any) -> CardApplication:
    args: dict[str, Any] = {
        "actor": actor,
        "type": "reissue",
        "person": person,
        "applicant": person,
        "relation": "self",
        "documents": ["id_card"],
        "outlet": at(city, actor),
    }
    return apply_for_card(**(args | kw))


def test_a_bank_does_not_reissue_another_banks_card(city):
    """The reported case: a CCB token applied for a reissue of an ICBC card and saw its number;
    CCB's acceptance then cancelled the ICBC card and closed its account."""
    holder, icbc_card = _holder_with_lost_card(city, city.icbc)

    error = wrong_bank(lambda: _apply(city, city.ccb_clerk, holder), "old_card")
    wrong_bank(lambda: _apply(city, city.ccb_clerk, holder, bank=city.ccb), "old_card")

    assert icbc_card.number not in error.detail
    assert apply_refusal(city.ccb_clerk, person=holder, type="reissue") is not None
    app = _apply(city, city.icbc_clerk, holder)
    assert (app.bank, app.old_card) == (city.icbc, icbc_card)


@pytest.mark.parametrize("reason", ["damaged", "expired"])
def test_a_bank_does_not_replace_another_banks_card(city, reason):
    holder = make_person()
    make_card(person=holder, bank=city.icbc)

    wrong_bank(
        lambda: _apply(city, city.ccb_clerk, holder, type="replacement", reason=reason),
        "old_card",
    )

    assert _apply(city, city.icbc_clerk, holder, type="replacement", reason=reason).bank == (
        city.icbc
    )


def test_a_bank_names_no_other_bank(city):
    holder, _card = _holder_with_lost_card(city, city.icbc)
    newcomer = make_person()

    wrong_bank(lambda: _apply(city, city.icbc_clerk, holder, bank=city.ccb), "bank")
    wrong_bank(lambda: _apply(city, city.icbc_clerk, newcomer, type="new", bank=city.ccb), "bank")

    first = _apply(city, city.ccb_clerk, newcomer, type="new", bank=city.ccb)
    assert (first.bank, first.old_card) == (city.ccb, None)


def test_a_bank_completes_no_intake_for_another_banks_card(city):
    holder, _card = _holder_with_lost_card(city, city.icbc)
    intake = record_intake(
        actor=city.community_clerk,
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        outlet=city.community,
    )
    assert application_access(city.ccb_clerk, intake).may("complete_intake")

    def complete(actor: Actor, bank: Bank | None = None) -> CardApplication:
        return complete_intake(
            actor=actor,
            application=intake,
            documents=["id_card"],
            outlet=at(city, actor),
            bank=bank,
        )

    wrong_bank(lambda: complete(city.ccb_clerk), "old_card")
    wrong_bank(lambda: complete(city.icbc_clerk, city.ccb), "bank")
    assert complete(city.icbc_clerk).status == ApplicationStatus.RECEIPT_ISSUED


# ---------------------------------------------------------------- an application's life


def _reissue(city: City, **kw: Any) -> CardApplication:
    holder, _card = _holder_with_lost_card(city, city.icbc)
    return _apply(city, city.window, holder, **kw)


def _step(actor: Actor, app: CardApplication, *types: str) -> CardApplication:
    for type in types:
        app = record_production_event(
            actor=actor,
            application=app,
            type=type,
            tracking_number="SF1234567890" if type == "mailed" else "",
        )
    return app


@pytest.mark.parametrize(
    ("start", "event"),
    [
        ([], "bank_accepted"),
        (["bank_accepted"], "in_production"),
        (["bank_accepted", "in_production"], "production_failed"),
        (["bank_accepted", "in_production"], "ready_for_collection"),
        (["bank_accepted", "in_production", "ready_for_collection"], "collected"),
        (["bank_accepted"], "cancelled"),
    ],
)
def test_a_bank_records_production_of_its_own_banks_applications_only(city, start, event):
    app = _step(city.icbc_clerk, _reissue(city), *start)

    wrong_bank(
        lambda: record_production_event(actor=city.ccb_clerk, application=app, type=event),
        "application",
    )

    assert _step(city.icbc_clerk, app, event).status == event


def test_a_bank_does_not_mail_another_banks_card(city):
    app = _step(
        city.icbc_clerk,
        _reissue(city, delivery="mail", mail_address="广州市天河区体育西路1号"),
        "bank_accepted",
        "in_production",
    )

    wrong_bank(lambda: _step(city.ccb_clerk, app, "mailed"), "application")


def test_a_bank_issues_hands_over_and_withdraws_only_its_own(city):
    instant = _apply(
        city,
        city.icbc_clerk,
        _holder_with_lost_card(city, city.icbc)[0],
        production="instant",
    )
    wrong_bank(
        lambda: issue_instantly(actor=city.ccb_clerk, application=instant, outlet=city.ccb_outlet),
        "application",
    )
    wrong_bank(lambda: cancel_application(actor=city.ccb_clerk, application=instant), "application")

    made = issue_instantly(actor=city.icbc_clerk, application=instant, outlet=city.icbc_outlet)
    assert made.status == ApplicationStatus.READY_FOR_COLLECTION

    def hand_over(actor: Actor) -> CardApplication:
        return hand_over_card(
            actor=actor,
            application=made,
            outlet=at(city, actor),
            presenter=made.person,
            relation="self",
            documents=["id_card"],
        )

    wrong_bank(lambda: hand_over(city.ccb_clerk), "application")
    assert hand_over(city.icbc_clerk).status == ApplicationStatus.COLLECTED


def test_what_each_actor_may_do_with_an_application(city):
    app = _reissue(city)

    for allowed in (city.window, city.icbc_clerk):
        assert application_access(allowed, app).refusals == {}
    refused = application_access(city.ccb_clerk, app)
    assert sorted(refused.refusals) == sorted(
        [
            "cancel_application",
            "complete_intake",
            "hand_over_card",
            "issue_instantly",
            "record_production_event",
        ]
    )


# ---------------------------------------------------------------- moving to another bank


@pytest.fixture
def icbc_side() -> Iterator[HttpReceiver]:
    with http_receiver() as receiver:
        yield receiver


@pytest.mark.django_db(transaction=True)
def test_a_move_to_another_bank_is_recorded_at_a_window_and_told_to_the_old_bank(
    city, icbc_side, settings
):
    settings.WEBHOOK_BACKOFF_SECONDS = 0
    city.icbc.webhook_url, city.icbc.webhook_secret = icbc_side.url, SECRET
    city.icbc.save()
    holder, icbc_card = _holder_with_lost_card(city, city.icbc)
    call_command("worker", "--once", "--no-sweep")  # the blocking of the lost card
    icbc_side.received.clear()

    # The holder chooses CCB at the window: allowed, and CCB accepts its own application.
    app = _apply(city, city.window, holder, bank=city.ccb)
    assert (app.bank, app.old_card) == (city.ccb, icbc_card)
    # ICBC does not move the application it no longer makes.
    wrong_bank(lambda: _step(city.icbc_clerk, app, "bank_accepted"), "application")
    app = _step(city.ccb_clerk, app, "bank_accepted", "in_production")

    icbc_card.refresh_from_db()
    assert (icbc_card.status, icbc_card.bank_status) == (CardStatus.CANCELLED, BankStatus.CLOSED)
    new_card = app.new_card
    assert new_card is not None
    assert (new_card.bank, new_card.generation) == (city.ccb, 2)
    assert new_card.account_number != icbc_card.account_number

    call_command("worker", "--once", "--no-sweep")

    cancelled = OutboxMessage.objects.get(
        kind=OutboxKind.WEBHOOK, bank=city.icbc, topic="card.cancelled"
    )
    assert cancelled.status == OutboxStatus.DELIVERED
    assert [(r.json["type"], r.json["data"]) for r in icbc_side.received] == [
        (
            "card.cancelled",
            {"card_number": icbc_card.number, "reason": "reissued after loss"},
        )
    ]
    assert icbc_side.signatures_valid(SECRET) == [True]
    # What goes to ICBC is about its own card only: nothing of CCB's application or card.
    assert new_card.number not in icbc_side.received[0].body.decode()
    assert app.number not in icbc_side.received[0].body.decode()
