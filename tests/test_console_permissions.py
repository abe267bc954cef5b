"""The permission matrix: every role against every console action (Saleor's habit).

Each role signs in (or not) and calls every page and every form of the console. Expected
answers are written out here, independently of the role table in `sscard/staff/roles.py`:
200 allowed, 403 refused for the role, 404 not visible to it (another outlet's or bank's
business), 302 a redirect (anonymous: to the sign-in page). A refused POST changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sscard.applications.models import ApplicationEvent, CardApplication
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.intake import record_intake
from sscard.applications.services.production import record_production_event
from sscard.cards.models import Card, LossReport
from sscard.cards.services import report_loss
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.console.views.hotline import VERIFIED
from sscard.console.views.people import person_url
from sscard.notifications.models import OutboxMessage
from sscard.records.models import Authorisation, Dispute
from sscard.records.permissions import Reader
from sscard.records.services import open_dispute, record_authorisation
from sscard.staff.models import PinPadRequest
from tests.console_support import ROLES, World, add_staff, build_world, unbound_user
from tests.factories import db_state, make_card, make_person

pytestmark = pytest.mark.django_db

ALL = ("anonymous", "unbound", *ROLES)
COUNTER = {"window_clerk", "bank_clerk"}


@dataclass
class Scene:
    world: World
    report: LossReport
    app: CardApplication  # a reissue made at the window's agency, for the bank ICBC
    intake: CardApplication  # a community intake
    authorisation: Authorisation  # the adult authorises the parent to read their pension
    dispute: Dispute  # the adult disputes a month of pension


def staff_actor(role: str, channel: str, outlet: str, bank: str | None = None) -> Actor:
    return Actor(
        kind="staff", id=f"{role}-x", role=role, channel=channel, outlet_code=outlet, bank_code=bank
    )


@pytest.fixture
def scene() -> Scene:
    world = build_world()
    window = staff_actor(Role.WINDOW_CLERK, Channel.WINDOW, world.agency.code)
    hotline = Actor(kind="staff", id="agent", role=Role.HOTLINE_AGENT, channel=Channel.HOTLINE)
    report = report_loss(
        actor=hotline,
        card=world.adult_card,
        kind="temporary",
        reporter=world.adult,
        relation="self",
    ).report
    holder = make_person(age=50)
    card = make_card(person=holder, bank=world.bank)
    report_loss(
        actor=window,
        card=card,
        kind="formal",
        reporter=holder,
        relation="self",
        documents=["id_card"],
        outlet=world.agency,
    )
    app = apply_for_card(
        actor=window,
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=world.agency,
    )
    newcomer = make_person(age=30)
    intake = record_intake(
        actor=staff_actor(Role.COMMUNITY_CLERK, Channel.WINDOW, world.community.code),
        type="new",
        person=newcomer,
        applicant=newcomer,
        relation="self",
        outlet=world.community,
    )
    today = clock.today()
    authorisation = record_authorisation(
        actor=window,
        person=world.adult,
        authorised=world.parent,
        insurances=["pension"],
        starts_on=today,
        ends_on=today.replace(year=today.year + 1),
        document="委托书 2026-001",
    )
    dispute = open_dispute(  # opened online by the holder
        reader=Reader(actor=Actor.citizen(world.adult.pk, Channel.WEB), person=world.adult),
        person=world.adult,
        insurance="pension",
        month=f"{today:%Y-%m}",
        reason="未记入",
    )
    return Scene(world, report, app, intake, authorisation, dispute)


@dataclass(frozen=True)
class Action:
    name: str
    url: Callable[[Scene], str]
    allowed: dict[str, int]  # role -> expected status; any other bound role: 403
    post: bool = False  # a form: a refused POST must change nothing
    query: str = ""

    def expected(self, role: str) -> int:
        if role == "anonymous":
            return 302
        return self.allowed.get(role, 403)


def u(name: str, *args: Any) -> str:
    return reverse(f"console:{name}", args=args)


ACTIONS = [
    Action("home", lambda s: u("home"), {r: 200 for r in ROLES}),
    Action(
        "find a person",
        lambda s: u("find_person"),
        {"community_clerk": 200, "window_clerk": 200, "bank_clerk": 200, "supervisor": 200},
        post=True,
    ),
    Action(
        "a person's page",
        lambda s: u("person", s.world.adult.reference),
        {"community_clerk": 200, "window_clerk": 200, "bank_clerk": 200, "supervisor": 200},
    ),
    Action(
        "reveal an ID number",
        lambda s: u("reveal", s.world.adult.reference),
        {"window_clerk": 302, "bank_clerk": 302, "supervisor": 302},
        post=True,
    ),
    Action(
        "documents checklist",
        lambda s: u("checklist", s.world.child.reference),
        {r: 200 for r in ROLES},
    ),
    Action(
        "formal loss report",
        lambda s: u("report_loss", s.world.adult_card.number),
        {r: 200 for r in COUNTER},
        post=True,
    ),
    Action(
        "lift a loss report",
        lambda s: u("lift", s.report.reference),
        {r: 200 for r in COUNTER},
        post=True,
    ),
    Action(
        "apply for a card",
        lambda s: u("apply", s.world.child.reference),
        {r: 200 for r in COUNTER},
        post=True,
    ),
    Action(
        "preliminary intake",
        lambda s: u("intake", s.world.child.reference),
        {"community_clerk": 200},
        post=True,
    ),
    Action(
        "activate a card",
        lambda s: u("activate", s.world.child_card.number),
        {r: 200 for r in COUNTER},
        post=True,
    ),
    Action(
        "reset a PIN",
        lambda s: u("reset_pin", s.world.child_card.number),
        {r: 200 for r in COUNTER},
        post=True,
    ),
    Action(
        "record a guardian",
        lambda s: u("record_guardian", s.world.child.reference),
        {"window_clerk": 200},
        post=True,
    ),
    Action(
        "change a guardianship",
        lambda s: u("change_guardianship", s.world.link.ward.reference, s.world.link.pk),
        {"window_clerk": 200},
        post=True,
    ),
    Action(
        "end a guardianship",
        lambda s: u("end_guardianship", s.world.link.ward.reference, s.world.link.pk),
        {"window_clerk": 200},
        post=True,
    ),
    Action(
        "an application's page",
        lambda s: u("application", s.app.number),
        {"window_clerk": 200, "bank_clerk": 200, "supervisor": 200, "community_clerk": 404},
    ),
    Action(
        "an intake's page",
        lambda s: u("application", s.intake.number),
        {"window_clerk": 200, "bank_clerk": 404, "supervisor": 200, "community_clerk": 200},
    ),
    Action(
        "print the receipt",
        # Printed by the outlet that issued it: the window's agency, not the bank.
        lambda s: u("receipt", s.app.number),
        {"window_clerk": 200},
    ),
    Action(
        "complete an intake",
        lambda s: u("complete_intake", s.intake.number),
        {"window_clerk": 200},
        post=True,
    ),
    Action(
        "issue on the spot",
        lambda s: u("issue_instantly", s.app.number),
        {r: 200 for r in COUNTER},
        post=True,
    ),
    Action(
        "hand over a card",
        lambda s: u("hand_over", s.app.number),
        {r: 200 for r in COUNTER},
        post=True,
    ),
    Action(
        "withdraw an application",
        lambda s: u("withdraw", s.app.number),
        {r: 200 for r in COUNTER},
        post=True,
    ),
    Action(
        "record production",
        lambda s: u("production", s.app.number),
        {"bank_clerk": 200},
        post=True,
    ),
    Action("accept a receipt", lambda s: u("accept_receipt"), {"bank_clerk": 200}, post=True),
    Action("the bank's queue", lambda s: u("bank_queue"), {"bank_clerk": 200}),
    Action("the intake queue", lambda s: u("intake_queue"), {"window_clerk": 200}),
    Action(
        "applications list",
        lambda s: u("applications"),
        {"community_clerk": 200, "window_clerk": 200, "bank_clerk": 200, "supervisor": 200},
    ),
    Action(
        "loss reports list",
        lambda s: u("loss_reports"),
        {
            "community_clerk": 200,
            "window_clerk": 200,
            "bank_clerk": 200,
            "hotline_agent": 200,
            "supervisor": 200,
        },
    ),
    Action(
        "export a list as CSV",
        lambda s: u("applications") + "?format=csv",
        {"supervisor": 200},
    ),
    Action("PIN locks list", lambda s: u("pin_locks"), {"supervisor": 200}),
    Action("hotline: find the caller", lambda s: u("hotline"), {"hotline_agent": 200}, post=True),
    Action(
        "hotline: check identity",
        lambda s: u("hotline_check", s.world.parent.reference),
        {"hotline_agent": 200},
        post=True,
    ),
    Action(
        "hotline: the caller",
        lambda s: u("hotline_caller", s.world.parent.reference),
        {"hotline_agent": 200},
    ),
    Action(
        "hotline: temporary loss report",
        lambda s: u("hotline_report", s.world.parent.reference, s.world.child_card.number),
        {"hotline_agent": 200},
        post=True,
    ),
    Action(
        "a person's records",
        lambda s: u("records", s.world.adult.reference),
        {"window_clerk": 200, "supervisor": 200},
    ),
    Action(
        "hotline: the caller's records",
        lambda s: u("hotline_records", s.world.parent.reference),
        {"hotline_agent": 200},
    ),
    Action(
        "record an authorisation",
        lambda s: u("record_authorisation", s.world.adult.reference),
        {"window_clerk": 200},
        post=True,
    ),
    Action(
        "end an authorisation",
        lambda s: u("end_authorisation", s.authorisation.reference),
        {"window_clerk": 200},
        post=True,
    ),
    Action(
        "the disputes queue",
        lambda s: u("disputes"),
        {"window_clerk": 200, "supervisor": 200},
    ),
    Action(
        "answer a dispute",
        lambda s: u("dispute", s.dispute.reference),
        {"window_clerk": 200, "supervisor": 200},
        post=True,
    ),
    Action("dashboard", lambda s: u("dashboard"), {"supervisor": 200}),
    Action("audit log", lambda s: u("audit"), {"supervisor": 200}),
    Action("verify the audit chain", lambda s: u("audit_verify"), {"supervisor": 405}, post=True),
]


def client_for(role: str, scene: Scene) -> Client:
    if role == "anonymous":
        return Client()
    if role == "unbound":
        client = Client()
        client.force_login(unbound_user())
        return client
    client = scene.world.client(role)
    session = client.session
    # The hotline's pages after an identity check: only the permission decides here.
    session[VERIFIED] = {str(scene.world.parent.pk): clock.now().isoformat()}
    session.save()
    return client


@pytest.mark.parametrize("role", ALL)
def test_every_role_against_every_console_action(scene, role):
    client = client_for(role, scene)
    wrong = []
    for action in ACTIONS:
        url = action.url(scene)
        answer = client.get(url)
        if answer.status_code != action.expected(role):
            wrong.append(
                f"GET {action.name}: {answer.status_code}, expected {action.expected(role)}"
            )
        if role == "anonymous":
            if answer.status_code == 302 and not answer["Location"].startswith(u("login")):
                wrong.append(f"GET {action.name}: redirected elsewhere than the sign-in page")
        elif answer.status_code == 403 and 'class="error-summary"' not in answer.content.decode():
            wrong.append(f"GET {action.name}: a 403 without the page that says why")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ALL)
def test_a_refused_post_changes_nothing(scene, role):
    """Every form posted (and confirmed) by a role that may not use it: refused, no change."""
    client = client_for(role, scene)
    rows = [
        scene.world.adult_card,
        scene.world.child_card,
        scene.app,
        scene.intake,
        scene.report,
        scene.world.link,
        scene.authorisation,
        scene.dispute,
    ]
    before = db_state(*rows)
    for action in ACTIONS:
        if not action.post or action.expected(role) not in (403, 302):
            continue
        if role != "anonymous" and action.expected(role) == 302:
            continue
        answer = client.post(
            action.url(scene),
            {
                "confirm": "1",
                "documents": ["id_card"],
                "presenter": "self",
                "kind": "formal",
                "status": "confirmed",
                "answer": "核查无误",
            },
        )
        expected = 302 if role == "anonymous" else 403
        assert answer.status_code == expected, (action.name, answer.status_code)
    assert db_state(*rows) == before


ADMIN_PAGES = ["/admin/", "/admin/outlets/outlet/", "/admin/staff/staffmember/"]


@pytest.mark.parametrize("role", ALL)
def test_only_system_administrators_enter_the_admin(scene, role):
    client = client_for(role, scene)
    for page in ADMIN_PAGES:
        answer = client.get(page)
        if role == "admin":
            assert answer.status_code == 200, page
        else:
            assert answer.status_code == 302 and "/admin/login/" in answer["Location"], page


def test_a_clerk_marked_as_staff_still_cannot_enter_the_admin(scene):
    user = scene.world.users["window_clerk"]
    user.is_staff = True
    user.save()
    answer = scene.world.client("window_clerk").get("/admin/")
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]


# ---------------------------------------------------------------- the bank dimension
#
# Every action on a card or application of ICBC, by a bank clerk of ICBC (own_bank), a bank
# clerk of CCB (other_bank) and a window clerk, bound to no bank (no_bank). Each cell runs in a
# fresh world. What each answer means:
#   done        the action is done (302 onwards) and something changed
#   wrong_bank  403: the page says the card or application is another bank's; nothing changed
#   hidden      404: another bank's application is not visible at all; nothing changed
#   invalid     422: the form does not offer another bank; nothing changed
#   -           not this matrix's business (the role or the outlet decides, see above)

BANK_MATRIX = """
action             own_bank  other_bank  no_bank
report_loss        done      wrong_bank  done
lift               done      wrong_bank  done
activate           done      wrong_bank  done
reset_pin          done      wrong_bank  done
apply              done      wrong_bank  done
apply_elsewhere    invalid   wrong_bank  done
issue_instantly    done      hidden      -
hand_over          done      hidden      done
withdraw           done      hidden      done
production         done      hidden      -
accept_receipt     done      wrong_bank  -
"""
BANK_DESKS = ("own_bank", "other_bank", "no_bank")
BANK_CELLS = {
    row[0]: dict(zip(BANK_DESKS, row[1:], strict=True))
    for row in (line.split() for line in BANK_MATRIX.strip().splitlines()[1:])
}
WRONG_BANK = {
    "card": "This card belongs to another bank: only that bank&#x27;s staff act on it.",
    "old_card": "The holder&#x27;s card belongs to another bank: a reissue or replacement is "
    "made by the bank that holds the card&#x27;s account.",
    "application": "This application belongs to another bank.",
}


@dataclass
class BankDesk:
    world: World
    client: Client
    actor: Actor
    outlet: Any


def bank_desk(world: World, desk: str) -> BankDesk:
    if desk == "other_bank":
        user = add_staff("bank_clerk", world.other_bank_outlet, "ccb-clerk")
        outlet, bank = world.other_bank_outlet, world.other_bank.code
    elif desk == "own_bank":
        user, outlet, bank = world.users["bank_clerk"], world.bank_outlet, world.bank.code
    else:
        user, outlet, bank = world.users["window_clerk"], world.agency, None
    client = Client()
    client.force_login(user)
    client.cookies["sscard_language"] = "en"
    role = Role.BANK_CLERK if bank else Role.WINDOW_CLERK
    channel = Channel.BANK if bank else Channel.WINDOW
    return BankDesk(world, client, staff_actor(role, channel, outlet.code, bank), outlet)


def _icbc(world: World) -> Actor:
    return staff_actor(Role.BANK_CLERK, Channel.BANK, world.bank_outlet.code, world.bank.code)


def _lost(world: World) -> tuple[Any, Any]:
    holder = make_person(age=45)
    card = make_card(person=holder, bank=world.bank)
    report = report_loss(
        actor=_icbc(world),
        card=card,
        kind="formal",
        reporter=holder,
        relation="self",
        documents=["id_card"],
        outlet=world.bank_outlet,
    ).report
    return holder, report


def _icbc_reissue(world: World, **terms: Any) -> CardApplication:
    holder, _report = _lost(world)
    return apply_for_card(
        actor=_icbc(world),
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=world.bank_outlet,
        **terms,
    )


COUNTER_POST = {"presenter": "self", "documents": ["id_card"]}


def _card_with_status(world: World, status: str) -> Any:
    card = make_card(person=make_person(age=45), bank=world.bank)
    if status == "sealed":
        card.status, card.pin_hash = "sealed", ""
        card.save()
    return card


def _setup_report_loss(d: BankDesk) -> tuple[str, dict[str, Any]]:
    card = _card_with_status(d.world, "normal")
    return u("report_loss", card.number), {**COUNTER_POST, "kind": "formal"}


def _setup_lift(d: BankDesk) -> tuple[str, dict[str, Any]]:
    _holder, report = _lost(d.world)
    return u("lift", report.reference), {**COUNTER_POST, "reason": "found"}


def _setup_activate(d: BankDesk) -> tuple[str, dict[str, Any]]:
    return u("activate", _card_with_status(d.world, "sealed").number), COUNTER_POST


def _setup_reset_pin(d: BankDesk) -> tuple[str, dict[str, Any]]:
    return u("reset_pin", _card_with_status(d.world, "normal").number), COUNTER_POST


def _apply_post(bank: str) -> dict[str, Any]:
    return {
        **COUNTER_POST,
        "type": "reissue",
        "bank": bank,
        "production": "batch",
        "delivery": "pickup",
    }


def _setup_apply(d: BankDesk) -> tuple[str, dict[str, Any]]:
    holder, _report = _lost(d.world)
    return u("apply", holder.reference), _apply_post("")


def _setup_apply_elsewhere(d: BankDesk) -> tuple[str, dict[str, Any]]:
    holder, _report = _lost(d.world)
    return u("apply", holder.reference), _apply_post(d.world.other_bank.code)


def _setup_issue_instantly(d: BankDesk) -> tuple[str, dict[str, Any]]:
    return u("issue_instantly", _icbc_reissue(d.world, production="instant").number), {}


def _setup_hand_over(d: BankDesk) -> tuple[str, dict[str, Any]]:
    app = _icbc_reissue(d.world)
    for step in ("bank_accepted", "in_production", "ready_for_collection"):
        # The card waits at the desk's own outlet: only the bank rule may refuse it.
        outlet = d.outlet if step == "ready_for_collection" else None
        app = record_production_event(
            actor=_icbc(d.world), application=app, type=step, outlet=outlet
        )
    return u("hand_over", app.number), COUNTER_POST


def _setup_withdraw(d: BankDesk) -> tuple[str, dict[str, Any]]:
    return u("withdraw", _icbc_reissue(d.world).number), {"note": "the holder found the card"}


def _setup_production(d: BankDesk) -> tuple[str, dict[str, Any]]:
    app = record_production_event(
        actor=_icbc(d.world), application=_icbc_reissue(d.world), type="bank_accepted"
    )
    return u("production", app.number), {"event": "in_production"}


def _setup_accept_receipt(d: BankDesk) -> tuple[str, dict[str, Any]]:
    return u("accept_receipt"), {"receipt_number": _icbc_reissue(d.world).receipt_number}


BANK_SETUPS: dict[str, Callable[[BankDesk], tuple[str, dict[str, Any]]]] = {
    "report_loss": _setup_report_loss,
    "lift": _setup_lift,
    "activate": _setup_activate,
    "reset_pin": _setup_reset_pin,
    "apply": _setup_apply,
    "apply_elsewhere": _setup_apply_elsewhere,
    "issue_instantly": _setup_issue_instantly,
    "hand_over": _setup_hand_over,
    "withdraw": _setup_withdraw,
    "production": _setup_production,
    "accept_receipt": _setup_accept_receipt,
}
BANK_CASES = [
    pytest.param(action, desk, id=f"{action}-{desk}")
    for action, cells in BANK_CELLS.items()
    for desk in BANK_DESKS
    if cells[desk] != "-"
]


def _all_rows() -> dict[str, Any]:
    return {
        **db_state(),
        "cards": list(Card.objects.order_by("pk").values()),
        "reports": list(LossReport.objects.order_by("pk").values()),
        "applications": list(CardApplication.objects.order_by("pk").values()),
        "timeline": list(ApplicationEvent.objects.order_by("pk").values()),
        "outbox": list(OutboxMessage.objects.order_by("pk").values()),
        "pin_pads": list(PinPadRequest.objects.order_by("pk").values()),
    }


def test_the_bank_matrix_covers_every_console_write():
    assert list(BANK_CELLS) == list(BANK_SETUPS)
    written = {
        a.name
        for a in ACTIONS
        if a.post and any(r in a.allowed for r in ("window_clerk", "bank_clerk"))
    }
    # Every form a counter clerk posts, but finding a person, revealing an ID number and the
    # guardianships (no card or application of a bank in them, and a window's alone) and the
    # community's intake (no bank yet; completing it is judged on its terms in the domain),
    # and the records' authorisations and disputes (no card or bank in them).
    no_bank = {
        "find a person",
        "reveal an ID number",
        "complete an intake",
        "record a guardian",
        "change a guardianship",
        "end a guardianship",
        "record an authorisation",
        "end an authorisation",
        "answer a dispute",
    }
    assert written - no_bank == {
        "formal loss report",
        "lift a loss report",
        "apply for a card",
        "activate a card",
        "reset a PIN",
        "issue on the spot",
        "hand over a card",
        "withdraw an application",
        "record production",
        "accept a receipt",
    }


@pytest.mark.parametrize(("action", "desk"), BANK_CASES)
def test_a_bank_clerk_acts_only_on_their_own_banks_cards_and_applications(action, desk):
    world = build_world()
    d = bank_desk(world, desk)
    url, data = BANK_SETUPS[action](d)
    expected = BANK_CELLS[action][desk]
    before = _all_rows()

    answer = d.client.post(url, {**data, "confirm": "1"})

    page = answer.content.decode()
    if expected == "done":
        assert answer.status_code == 302, page[:3000]
        assert _all_rows() != before
        return
    status = {"wrong_bank": 403, "hidden": 404, "invalid": 422}[expected]
    assert answer.status_code == status, page[:3000]
    assert _all_rows() == before
    if expected == "wrong_bank":
        subject = {"apply": "old_card", "apply_elsewhere": "old_card", "withdraw": "application"}
        what = subject.get(action, "application" if "receipt" in action else "card")
        assert WRONG_BANK[what] in page
        assert "Nothing was changed." in page or 'class="error-summary"' in page
    if expected == "invalid":
        assert "Select a valid choice." in page


def test_a_bank_clerk_is_refused_before_the_form_of_another_banks_card():
    world = build_world()
    d = bank_desk(world, "other_bank")
    for name in ("report_loss", "activate", "reset_pin"):
        answer = d.client.get(u(name, world.adult_card.number))
        assert answer.status_code == 403
        assert WRONG_BANK["card"] in answer.content.decode()
        assert "Nothing was changed." in answer.content.decode()


def test_the_refusal_speaks_chinese_by_default():
    world = build_world()
    d = bank_desk(world, "other_bank")
    del d.client.cookies["sscard_language"]

    answer = d.client.get(u("report_loss", world.adult_card.number))

    assert answer.status_code == 403
    assert "这张卡属于另一家银行" in answer.content.decode()


def _buttons(page: str) -> list[str]:
    """The action buttons in the table of the person's cards."""
    cards = page.split('aria-labelledby="cards-h"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a class="button" href="(/console/[^"]+)"', cards)


def test_a_bank_clerk_sees_other_banks_cards_without_actions():
    world = build_world()
    ccb_holder = make_person(age=33)
    ccb_card = make_card(person=ccb_holder, bank=world.other_bank)

    own = bank_desk(world, "own_bank").client.get(person_url(ccb_holder)).content.decode()
    other = bank_desk(world, "other_bank").client.get(person_url(ccb_holder)).content.decode()
    window = bank_desk(world, "no_bank").client.get(person_url(ccb_holder)).content.decode()

    # ICBC sees CCB's card, masked account and all, with nothing to press; CCB and a window may
    # report it lost and reset its PIN.
    assert ccb_card.number in own and _buttons(own) == []
    assert "New application" not in own
    expected = [u("report_loss", ccb_card.number), u("reset_pin", ccb_card.number)]
    assert _buttons(other) == expected
    assert _buttons(window) == expected
    assert "New application" in other and "New application" in window
