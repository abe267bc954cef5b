"""The domain the console needed and did not have: staff bindings and role groups, the
documents checklist, the hotline's identity check, the audited reveal, hand-over at the outlet
where the card waits, fee quotes, queues and the supervisor's figures. And the demo's staff."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from sscard.applications.selectors import (
    bank_queue,
    count_by_status,
    get_application_by_receipt,
    intake_queue,
    median_days_receipt_to_collection,
    overdue_applications,
    uncollected_applications,
)
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.collection import hand_over_card
from sscard.applications.services.intake import record_intake
from sscard.applications.services.production import record_production_event
from sscard.applications.terms import quote_fee
from sscard.audit.models import AuditEvent
from sscard.audit.selectors import events_per_day
from sscard.cards.caller_identity import check_caller_identity, security_questions
from sscard.cards.selectors import loss_reports_per_day
from sscard.cards.services import report_loss
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import DomainError
from sscard.demo.staff import DEMO_STAFF, DEMO_STAFF_PASSWORD, ensure_demo_staff
from sscard.outlets.models import OutletType
from sscard.people.selectors import documents_needed, guardianships_of, wards_of
from sscard.people.services import reveal_social_security_number
from sscard.staff.models import StaffMember
from sscard.staff.roles import ROLE_OUTLET_TYPES, ROLE_PERMISSIONS
from sscard.staff.selectors import actor_for
from sscard.staff.services import bind_staff_member, create_staff_user
from tests.console_support import World, build_world
from tests.factories import (
    BankOutletFactory,
    make_card,
    make_guardianship,
    make_person,
    make_policy,
    nothing_changes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def window(world: World) -> Actor:
    return actor_for(StaffMember.objects.get(user__username="window-clerk"))


def bank(world: World) -> Actor:
    return actor_for(StaffMember.objects.get(user__username="bank-clerk"))


# ---------------------------------------------------------------- staff


def test_a_staff_member_acts_in_the_role_and_outlet_and_channel_of_the_binding(world):
    assert window(world) == Actor(
        kind="staff",
        id="window-clerk",
        role="window_clerk",
        channel="window",
        outlet_code="SI0001",
        bank_code=None,
    )
    assert bank(world).channel == "bank" and bank(world).bank_code == "ICBC"
    hotline = actor_for(StaffMember.objects.get(user__username="hotline-agent"))
    assert (hotline.channel, hotline.outlet_code) == ("hotline", "HR0001")


def test_each_role_has_its_group_and_only_an_administrator_is_django_staff(world):
    for role, user in world.users.items():
        assert [g.name for g in user.groups.all()] == [role]
        granted = {p.codename for p in Group.objects.get(name=role).permissions.all()}
        assert set(ROLE_PERMISSIONS[role]) <= granted
        assert user.is_staff == (role == "admin")
    admin_perms = {p.codename for p in Group.objects.get(name="admin").permissions.all()}
    assert "change_outlet" in admin_perms and "find_person" not in admin_perms


def test_a_role_works_only_at_its_kind_of_outlet_and_a_refusal_binds_nothing(world):
    user = get_user_model().objects.create_user(username="new-clerk")
    with nothing_changes(), pytest.raises(DomainError) as refused:
        bind_staff_member(
            actor=Actor.system(), user=user, role=Role.BANK_CLERK, outlet=world.agency
        )
    assert refused.value.code == "role_outlet_mismatch"
    for role, types in ROLE_OUTLET_TYPES.items():
        assert types, role
    assert OutletType.BANK_OUTLET in ROLE_OUTLET_TYPES[Role.BANK_CLERK]


def test_a_binding_is_audited_and_a_change_of_role_moves_the_group(world):
    user = world.users["window_clerk"]
    bind_staff_member(actor=Actor.system(), user=user, role=Role.SUPERVISOR, outlet=world.bureau)
    event = AuditEvent.objects.filter(action="staff.bound", object_id="window-clerk").latest("seq")
    assert (event.before, event.after) == (
        {"role": "window_clerk", "outlet": "SI0001"},
        {"role": "supervisor", "outlet": "HR0001"},
    )
    assert [g.name for g in user.groups.all()] == ["supervisor"]


def test_the_demo_makes_one_user_per_role_and_only_the_demo_does(db):
    from sscard.demo.reference import load_reference_data

    assert not StaffMember.objects.exists()  # no migration makes users
    load_reference_data()
    ensure_demo_staff()
    members = StaffMember.objects.select_related("user", "outlet")
    assert sorted(m.role for m in members) == sorted(s.role for s in DEMO_STAFF)
    for member in members:
        assert member.outlet.type in ROLE_OUTLET_TYPES[member.role]
    client = Client()
    answer = client.post(
        "/console/sign-in/", {"username": "demo-bank", "password": DEMO_STAFF_PASSWORD}
    )
    assert answer.status_code == 302 and answer["Location"] == "/console/"
    before = list(StaffMember.objects.values_list("pk", "role"))
    ensure_demo_staff()
    assert list(StaffMember.objects.values_list("pk", "role")) == before


def test_the_demo_command_prints_the_staff_users_and_their_password(db):
    out = StringIO()
    call_command("demo", people=100, no_scenarios=True, stdout=out, verbosity=0)
    printed = out.getvalue()
    assert f"password {DEMO_STAFF_PASSWORD}" in printed
    for spec in DEMO_STAFF:
        assert spec.username in printed
    assert StaffMember.objects.count() == len(DEMO_STAFF)


# ---------------------------------------------------------------- people


def test_documents_needed_follow_the_adult_and_the_minor_rules(world):
    parent = guardianships_of(world.child)[0]
    legal = make_guardianship(ward=world.child, relation="legal_guardian")
    assert documents_needed(guardian=None) == [("id_card",)]
    assert documents_needed(guardian=parent) == [
        ("id_card", "household_register"),
        ("guardian_id_card",),
    ]
    assert documents_needed(guardian=legal)[-1] == ("guardianship_proof",)
    assert wards_of(world.parent) == [world.child]


def test_the_caller_identity_check_is_audited_without_the_answers(world):
    hotline = actor_for(StaffMember.objects.get(user__username="hotline-agent"))
    adult = world.adult
    codes = [q.code for q in security_questions(adult)]
    assert codes == ["phone_last4", "card_bank"]
    assert check_caller_identity(
        actor=hotline,
        person=adult,
        name=adult.name,
        answers={"phone_last4": "5678", "card_bank": "icbc"},
    )
    assert not check_caller_identity(
        actor=hotline,
        person=adult,
        name=adult.name,
        answers={"phone_last4": "5678", "card_bank": "CCB"},
    )
    events = list(AuditEvent.objects.filter(object_type="person").order_by("seq"))
    assert [e.action for e in events] == ["person.identity_checked", "person.identity_check_failed"]
    assert "5678" not in str([e.after for e in events])


def test_three_failed_checks_stop_the_checks_for_half_an_hour(world):
    hotline = actor_for(StaffMember.objects.get(user__username="hotline-agent"))
    start = clock.now()
    with clock.frozen_at(start):
        for _ in range(3):
            check_caller_identity(actor=hotline, person=world.adult, name="x", answers={})
        with pytest.raises(DomainError) as refused:
            check_caller_identity(actor=hotline, person=world.adult, name="x", answers={})
    assert refused.value.code == "identity_checks_exhausted"
    with clock.frozen_at(start + dt.timedelta(minutes=31)):
        assert not check_caller_identity(actor=hotline, person=world.adult, name="x", answers={})


def test_a_reveal_needs_a_reason_and_is_audited(world):
    with nothing_changes(), pytest.raises(DomainError) as refused:
        reveal_social_security_number(actor=window(world), person=world.adult, reason="curious")
    assert refused.value.code == "reveal_reason_required"
    number = reveal_social_security_number(
        actor=window(world), person=world.adult, reason="holder_request"
    )
    assert number == world.adult.social_security_number
    assert AuditEvent.objects.get(action="person.id_number_revealed").after == {
        "reason": "holder_request"
    }


# ---------------------------------------------------------------- applications


def _reissue(world: World, holder=None, card=None):
    holder = holder or make_person()
    card = card or make_card(person=holder, bank=world.bank)
    report_loss(
        actor=window(world),
        card=card,
        kind="formal",
        reporter=holder,
        relation="self",
        documents=["id_card"],
        outlet=world.agency,
    )
    return apply_for_card(
        actor=window(world),
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=world.agency,
    )


def _ready(world: World, app):
    for step in ("bank_accepted", "in_production", "ready_for_collection"):
        app = record_production_event(
            actor=bank(world), application=app, type=step, outlet=world.bank_outlet
        )
    return app


def test_a_card_is_handed_over_with_documents_at_the_outlet_where_it_waits(world):
    app = _ready(world, _reissue(world))
    elsewhere = BankOutletFactory.create(code="BK0077", bank=world.bank)
    with nothing_changes(app), pytest.raises(DomainError) as refused:
        hand_over_card(
            actor=bank(world),
            application=app,
            outlet=elsewhere,
            presenter=app.person,
            relation="self",
            documents=["id_card"],
        )
    assert refused.value.code == "card_elsewhere"
    with nothing_changes(app), pytest.raises(DomainError) as missing:
        hand_over_card(
            actor=bank(world),
            application=app,
            outlet=world.bank_outlet,
            presenter=app.person,
            relation="self",
            documents=[],
        )
    assert missing.value.code == "documents_required"
    hotline = actor_for(StaffMember.objects.get(user__username="hotline-agent"))
    with nothing_changes(app), pytest.raises(DomainError) as channel:
        hand_over_card(
            actor=hotline,
            application=app,
            outlet=world.bank_outlet,
            presenter=app.person,
            relation="self",
            documents=["id_card"],
        )
    assert channel.value.code == "channel_not_allowed"

    app = hand_over_card(
        actor=bank(world),
        application=app,
        outlet=world.bank_outlet,
        presenter=app.person,
        relation="self",
        documents=["id_card"],
    )
    assert app.new_card is not None
    app.new_card.refresh_from_db()
    assert app.status == "collected" and app.new_card.status == "sealed"


def test_the_fee_quote_reads_the_same_rule_as_the_application(world):
    make_policy(region_prefix="440106", reissue_fee=Decimal("30.00"))
    holder = make_person()
    card = make_card(person=holder, bank=world.bank)
    quote = quote_fee(type="reissue", reason="", person=holder, outlet=world.agency, fee_waiver="")
    waived = quote_fee(
        type="reissue", reason="", person=holder, outlet=world.agency, fee_waiver="hardship"
    )
    fault = quote_fee(
        type="replacement",
        reason="quality_fault",
        person=holder,
        outlet=world.agency,
        fee_waiver="",
    )
    assert (quote.amount, quote.waiver) == (Decimal("30.00"), "")
    assert (waived.amount, waived.waiver) == (Decimal("0.00"), "hardship")
    assert (fault.amount, fault.waiver) == (Decimal("0.00"), "quality_fault")
    app = _reissue(world, holder, card)
    assert app.fee_amount == quote.amount


def test_the_fee_quote_is_under_the_policy_of_the_card_it_replaces(world):
    """The card in hand is replaced, not a newer one that was cancelled: the quote and the
    application read the policy of the same card's region."""
    make_policy(region_prefix="440106", replacement_fee=Decimal("20.00"))
    make_policy(region_prefix="440105", replacement_fee=Decimal("5.00"))
    holder = make_person()
    in_hand = make_card(person=holder, bank=world.bank, issuing_region_code="440106")
    make_card(
        person=holder,
        bank=world.bank,
        issuing_region_code="440105",
        generation=2,
        status="cancelled",
        bank_status="closed",
    )
    quote = quote_fee(
        type="replacement", reason="damaged", person=holder, outlet=world.agency, fee_waiver=""
    )
    app = apply_for_card(
        actor=window(world),
        type="replacement",
        reason="damaged",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=world.agency,
    )
    assert app.old_card == in_hand
    assert quote.amount == app.fee_amount == Decimal("20.00")


def test_a_receipt_number_finds_its_application_and_a_typo_is_refused(world):
    app = _reissue(world)
    assert app.receipt_number
    assert get_application_by_receipt(app.receipt_number.lower()) == app
    with pytest.raises(DomainError) as refused:
        get_application_by_receipt(app.receipt_number[:-2] + "00")
    assert refused.value.code in ("invalid_receipt_number", "application_not_found")


def test_the_queues_of_the_bank_and_of_the_agency(world):
    app = _reissue(world)
    newcomer = make_person()
    intake = record_intake(
        actor=window(world),
        type="new",
        person=newcomer,
        applicant=newcomer,
        relation="self",
        outlet=world.community,
    )
    assert list(bank_queue(world.bank)) == [app]
    assert list(bank_queue(world.other_bank)) == []
    assert list(intake_queue(world.agency)) == [intake]
    assert list(intake_queue(world.other_agency.__class__(region_code="440105"))) == []


def test_the_supervisors_figures(world):
    now = clock.now()
    with clock.frozen_at(now - dt.timedelta(days=30)):
        done = _ready(world, _reissue(world))
        late = _reissue(world)
        late = record_production_event(actor=bank(world), application=late, type="bank_accepted")
    with clock.frozen_at(now - dt.timedelta(days=2)):
        record_production_event(
            actor=bank(world), application=done, type="collected", outlet=world.bank_outlet
        )
    waiting = _ready(world, _reissue(world))
    today = clock.today()

    assert median_days_receipt_to_collection(since=now - dt.timedelta(days=90)) == 28.0
    assert list(overdue_applications()) == [late]
    assert list(uncollected_applications()) == [waiting]
    counts = count_by_status()
    assert (counts["collected"], counts["bank_accepted"], counts["ready_for_collection"]) == (
        1,
        1,
        1,
    )
    per_day = loss_reports_per_day(first=today - dt.timedelta(days=29), last=today)
    assert per_day == {(today, Channel.WINDOW): 1}
    assert events_per_day(
        action="application.collected", first=today - dt.timedelta(days=3), last=today
    ) == {today - dt.timedelta(days=2): 1}


def test_create_staff_user_refuses_an_unknown_outlet(world):
    with nothing_changes(), pytest.raises(DomainError) as refused:
        create_staff_user(
            actor=Actor.system(),
            username="ghost",
            password=None,
            role=Role.WINDOW_CLERK,
            outlet_code="NOPE",
        )
    assert refused.value.code == "outlet_not_found"
