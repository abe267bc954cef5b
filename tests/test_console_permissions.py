"""The permission matrix: every role against every console action (Saleor's habit).

Each role signs in (or not) and calls every page and every form of the console. Expected
answers are written out here, independently of the role table in `sscard/staff/roles.py`:
200 allowed, 403 refused for the role, 404 not visible to it (another outlet's or bank's
business), 302 a redirect (anonymous: to the sign-in page). A refused POST changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sscard.applications.models import CardApplication
from sscard.applications.services import apply_for_card, record_intake
from sscard.cards.models import LossReport
from sscard.cards.services import report_loss
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.console.views.hotline import VERIFIED
from tests.console_support import ROLES, World, build_world, unbound_user
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
    return Scene(world, report, app, intake)


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
    ]
    before = db_state(*rows)
    for action in ACTIONS:
        if not action.post or action.expected(role) not in (403, 302):
            continue
        if role != "anonymous" and action.expected(role) == 302:
            continue
        answer = client.post(
            action.url(scene),
            {"confirm": "1", "documents": ["id_card"], "presenter": "self", "kind": "formal"},
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
