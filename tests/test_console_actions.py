"""The console's actions through Django's test client: each one confirmed, done by one
service, audited as the staff member (role, outlet, channel), and refused with a plain message
that changed nothing."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from sscard.applications.models import CardApplication
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.intake import record_intake
from sscard.applications.services.production import record_production_event
from sscard.audit.checkpoints import write_checkpoint
from sscard.audit.models import AuditCheckpoint, AuditEvent
from sscard.audit.services import verify_chain
from sscard.cards.models import LossReport
from sscard.cards.pins import pin_matches
from sscard.common.context import Actor, Channel, Role
from sscard.console.views.people import person_url
from sscard.people.masking import mask_id_number
from sscard.staff.models import PinPadRequest
from tests.console_support import World, add_staff, build_world
from tests.factories import (
    make_guardianship,
    make_person,
    nothing_changes,
    with_a_wrong_check_character,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def english(client: Client) -> Client:
    client.cookies["sscard_language"] = "en"
    return client


def desk(world: World, role: str) -> Client:
    return english(world.client(role))


def u(name: str, *args: object) -> str:
    return reverse(f"console:{name}", args=args)


def confirm(client: Client, url: str, data: dict[str, object]):
    """Post the form, check the confirmation page, then confirm."""
    review = client.post(url, data)
    assert review.status_code == 200, review.content.decode()[:2000]
    assert 'name="confirm"' in review.content.decode()
    return client.post(url, {**data, "confirm": "1"})


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def window_actor(world: World) -> Actor:
    return Actor(
        kind="staff",
        id="someone",
        role=Role.WINDOW_CLERK,
        channel=Channel.WINDOW,
        outlet_code=world.agency.code,
    )


# ---------------------------------------------------------------- loss reports


def test_a_formal_loss_report_is_confirmed_then_filed_and_audited_as_the_clerk(world):
    client = desk(world, "window_clerk")
    url = u("report_loss", world.adult_card.number)
    data = {"kind": "formal", "presenter": "self", "documents": ["id_card"]}

    with nothing_changes(world.adult_card):
        review = client.post(url, data)
    assert "Confirm" in review.content.decode()

    done = client.post(url, {**data, "confirm": "1"})

    assert done.status_code == 302 and done["Location"] == u("person", world.adult.reference)
    report = LossReport.objects.get(card=world.adult_card)
    assert (report.kind, report.channel, report.outlet) == ("formal", "window", world.agency)
    event = last_event("loss_report.created")
    assert (event.actor_kind, event.actor_id, event.actor_role) == (
        "staff",
        "window-clerk",
        "window_clerk",
    )
    assert (event.outlet_code, event.channel) == ("SI0001", "window")
    page = client.get(done["Location"]).content.decode()
    assert report.reference in page and "is effective" in page


def test_missing_documents_are_refused_next_to_the_field_and_change_nothing(world):
    client = desk(world, "window_clerk")
    url = u("report_loss", world.adult_card.number)
    with nothing_changes(world.adult_card):
        answer = client.post(url, {"kind": "formal", "presenter": "self", "confirm": "1"})
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "Original documents are missing: the holder&#x27;s ID card." in page
    assert 'id="error-summary"' in page and 'id="checklist-errors"' in page


def test_a_child_cannot_present_alone_and_a_guardian_needs_the_guardian_documents(world):
    client = desk(world, "window_clerk")
    url = u("report_loss", world.child_card.number)
    with nothing_changes(world.child_card):
        alone = client.post(
            url, {"kind": "formal", "presenter": "self", "documents": ["id_card"], "confirm": "1"}
        )
        guardian_without_id = client.post(
            url,
            {
                "kind": "formal",
                "presenter": f"g{world.link.pk}",
                "documents": ["household_register"],
                "confirm": "1",
            },
        )
    assert alone.status_code == 403
    assert "a guardian must present the documents" in alone.content.decode()
    assert guardian_without_id.status_code == 422
    assert "the guardian&#x27;s ID card" in guardian_without_id.content.decode()

    done = confirm(
        client,
        url,
        {
            "kind": "formal",
            "presenter": f"g{world.link.pk}",
            "documents": ["household_register", "guardian_id_card"],
        },
    )
    assert done.status_code == 302
    report = LossReport.objects.get(card=world.child_card)
    assert (report.reporter, report.reporter_relation) == (world.parent, "guardian")


def test_the_checklist_follows_the_adult_and_minor_rules(world):
    client = desk(world, "window_clerk")
    adult = client.get(
        u("checklist", world.adult.reference), {"presenter": "self"}
    ).content.decode()
    parent = client.get(
        u("checklist", world.child.reference), {"presenter": f"g{world.link.pk}"}
    ).content.decode()
    legal = make_guardianship(ward=world.child, relation="legal_guardian")
    other = client.get(u("checklist", world.child.reference), {"presenter": f"g{legal.pk}"})

    assert re.findall(r'value="(\w+)"', adult) == ["id_card"]
    assert re.findall(r'value="(\w+)"', parent) == [
        "id_card",
        "household_register",
        "guardian_id_card",
    ]
    assert "One of these" in parent
    assert re.findall(r'value="(\w+)"', other.content.decode())[-1] == "guardianship_proof"


def test_a_forged_outlet_is_ignored_the_clerks_own_outlet_is_recorded(world):
    client = desk(world, "window_clerk")
    confirm(
        client,
        u("report_loss", world.adult_card.number),
        {
            "kind": "formal",
            "presenter": "self",
            "documents": ["id_card"],
            "outlet": world.other_agency.code,
            "outlet_code": world.other_agency.code,
        },
    )
    report = LossReport.objects.get(card=world.adult_card)
    assert report.outlet == world.agency
    assert last_event("loss_report.created").outlet_code == world.agency.code


def test_lifting_is_refused_once_a_reissue_is_applied_for(world):
    client = desk(world, "window_clerk")
    confirm(
        client,
        u("report_loss", world.adult_card.number),
        {"kind": "formal", "presenter": "self", "documents": ["id_card"]},
    )
    confirm(
        client,
        u("apply", world.adult.reference),
        {
            "type": "reissue",
            "presenter": "self",
            "documents": ["id_card"],
            "delivery": "pickup",
            "production": "batch",
        },
    )
    report = LossReport.objects.get(card=world.adult_card)
    with nothing_changes(report, world.adult_card):
        answer = client.post(
            u("lift", report.reference),
            {"presenter": "self", "documents": ["id_card"], "confirm": "1"},
        )
    assert answer.status_code == 409
    assert "can no longer be lifted" in answer.content.decode()


# ---------------------------------------------------------------- applications and receipts


def _reissue(world: World, client: Client) -> CardApplication:
    confirm(
        client,
        u("report_loss", world.adult_card.number),
        {"kind": "formal", "presenter": "self", "documents": ["id_card"]},
    )
    data = {
        "type": "reissue",
        "presenter": "self",
        "documents": ["id_card"],
        "bank": "",
        "production": "batch",
        "delivery": "pickup",
        "fee_waiver": "",
    }
    review = client.post(u("apply", world.adult.reference), data).content.decode()
    assert "20.00 yuan" in review  # the default policy's reissue fee, told before confirming
    done = client.post(u("apply", world.adult.reference), {**data, "confirm": "1"})
    app = CardApplication.objects.get(person=world.adult)
    assert done["Location"] == u("application", app.number)
    return app


def test_a_reissue_issues_the_receipt_and_its_pdf_has_the_number_and_the_masked_id(world):
    client = desk(world, "window_clerk")
    app = _reissue(world, client)
    assert app.status == "receipt_issued" and app.bank == world.bank

    pdf = client.get(u("receipt", app.number))

    assert app.receipt_number is not None
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert app.receipt_number in text
    assert mask_id_number(world.adult.social_security_number) in text
    assert world.adult.social_security_number not in text
    assert last_event("receipt.printed").object_id == app.number


def test_another_outlet_cannot_print_the_receipt(world):
    app = _reissue(world, desk(world, "window_clerk"))
    add_staff("window_clerk", world.other_agency, "elsewhere")
    client = Client()
    client.force_login(add_staff.__globals__["get_user_model"]().objects.get(username="elsewhere"))
    answer = english(client).get(u("receipt", app.number))
    assert answer.status_code == 403
    assert "printed by the outlet that issued it (SI0001)" in answer.content.decode()


def test_the_bank_accepts_its_own_receipt_only_and_a_mistyped_one_is_caught(world):
    app = _reissue(world, desk(world, "window_clerk"))
    bank = desk(world, "bank_clerk")
    url = u("accept_receipt")
    assert app.receipt_number is not None
    typo = app.receipt_number[:-1] + ("0" if app.receipt_number[-1] != "0" else "1")

    with nothing_changes(app, world.adult_card):
        mistyped = bank.post(url, {"receipt_number": typo})
    assert mistyped.status_code == 422
    assert "not a valid receipt number" in mistyped.content.decode()

    other = add_staff("bank_clerk", world.other_bank_outlet, "ccb-clerk")
    other_client = Client()
    other_client.force_login(other)
    with nothing_changes(app, world.adult_card):
        wrong_bank = english(other_client).post(
            url, {"receipt_number": app.receipt_number, "confirm": "1"}
        )
    assert wrong_bank.status_code == 403
    assert "belongs to another bank" in wrong_bank.content.decode()
    # Said next to the receipt number typed in.
    assert re.search(
        r"field-receipt_number.*?errorlist[^>]*>\s*<li>This application belongs to another bank",
        wrong_bank.content.decode(),
        re.S,
    )

    done = confirm(bank, url, {"receipt_number": app.receipt_number})
    assert done.status_code == 302
    app.refresh_from_db()
    world.adult_card.refresh_from_db()
    assert app.status == "bank_accepted" and world.adult_card.status == "cancelled"
    event = last_event("application.bank_accepted")
    assert (event.actor_role, event.channel, event.outlet_code) == ("bank_clerk", "bank", "BK0001")


def _ready(world: World, app: CardApplication, at=None) -> CardApplication:
    bank = Actor(
        kind="staff",
        id="bank",
        role=Role.BANK_CLERK,
        channel=Channel.BANK,
        outlet_code=world.bank_outlet.code,
        bank_code=world.bank.code,
    )
    for step in ("bank_accepted", "in_production", "ready_for_collection"):
        app = record_production_event(
            actor=bank, application=app, type=step, outlet=at or world.bank_outlet
        )
    return app


def test_production_and_hand_over_at_the_bank_then_activation_on_the_pin_pad(world):
    app = _ready(world, _reissue(world, desk(world, "window_clerk")))
    bank = desk(world, "bank_clerk")

    done = confirm(
        bank, u("hand_over", app.number), {"presenter": "self", "documents": ["id_card"]}
    )

    assert done.status_code == 302
    app.refresh_from_db()
    card = app.new_card
    assert card is not None
    assert app.status == "collected" and card.status == "sealed"

    opened = confirm(
        bank, u("activate", card.number), {"presenter": "self", "documents": ["id_card"]}
    )
    token = opened["Location"].rstrip("/").split("/")[-1]
    assert opened["Location"] == u("pinpad_wait", token)
    assert "Waiting for the holder" in bank.get(opened["Location"]).content.decode()

    weak = bank.post(u("pinpad", token), {"pin": "123456", "pin_again": "123456"})
    assert weak.status_code == 422 and "the digits run up or down" in weak.content.decode()
    assert "123456" not in weak.content.decode()
    differ = bank.post(u("pinpad", token), {"pin": "802417", "pin_again": "802418"})
    assert "The two PINs differ" in differ.content.decode()
    card.refresh_from_db()
    assert card.status == "sealed"

    ok = bank.post(u("pinpad", token), {"pin": "802417", "pin_again": "802417"})

    assert ok.status_code == 200 and "802417" not in ok.content.decode()
    card.refresh_from_db()
    assert card.status == "normal" and pin_matches(card.pin_hash, "802417")
    status = bank.get(u("pinpad_status", token)).content.decode()
    assert "The card is activated" in status and "hx-trigger" not in status
    event = last_event("card.activated")
    assert (event.actor_id, event.actor_role, event.channel) == ("bank-clerk", "bank_clerk", "bank")
    assert PinPadRequest.objects.get().outcome == "done"
    again = bank.post(u("pinpad", token), {"pin": "246813", "pin_again": "246813"})
    assert "Your PIN is set" in again.content.decode()
    card.refresh_from_db()
    assert pin_matches(card.pin_hash, "802417")  # a pad takes one PIN only


def test_a_mailed_card_is_recorded_received_at_a_window_then_activated(world):
    bank = Actor(
        kind="staff",
        id="bank",
        role=Role.BANK_CLERK,
        channel=Channel.BANK,
        outlet_code=world.bank_outlet.code,
        bank_code=world.bank.code,
    )
    client = desk(world, "window_clerk")
    confirm(
        client,
        u("report_loss", world.adult_card.number),
        {"kind": "formal", "presenter": "self", "documents": ["id_card"]},
    )
    app = apply_for_card(
        actor=window_actor(world),
        type="reissue",
        person=world.adult,
        applicant=world.adult,
        relation="self",
        documents=["id_card"],
        outlet=world.agency,
        delivery="mail",
        mail_address="广州市天河区体育西路1号",
    )
    for step in ("bank_accepted", "in_production", "mailed"):
        app = record_production_event(
            actor=bank, application=app, type=step, tracking_number="SF1234567890"
        )
    card = app.new_card
    assert card is not None
    person = client.get(person_url(world.adult)).content.decode()
    received = u("hand_over", app.number)
    assert f'<a class="button" href="{received}">Record the mailed card received</a>' in person
    page = client.get(received).content.decode()
    assert "<h1>Record a mailed card received</h1>" in page

    review = client.post(received, {"presenter": "self", "documents": ["id_card"]})
    assert "SF1234567890" in review.content.decode()
    assert "Record it received" in review.content.decode()
    done = client.post(received, {"presenter": "self", "documents": ["id_card"], "confirm": "1"})

    assert done.status_code == 302 and done["Location"] == person_url(world.adult)
    app.refresh_from_db()
    card.refresh_from_db()
    assert (app.status, card.status) == ("collected", "sealed")
    event = last_event("application.collected")
    assert (event.actor_role, event.channel, event.outlet_code) == (
        "window_clerk",
        "window",
        "SI0001",
    )
    person = client.get(person_url(world.adult)).content.decode()
    assert f'<a class="button" href="{u("activate", card.number)}">Activate</a>' in person
    opened = confirm(
        client, u("activate", card.number), {"presenter": "self", "documents": ["id_card"]}
    )
    token = opened["Location"].rstrip("/").split("/")[-1]
    client.post(u("pinpad", token), {"pin": "802417", "pin_again": "802417"})
    card.refresh_from_db()
    assert card.status == "normal" and pin_matches(card.pin_hash, "802417")


def test_a_pin_pad_belongs_to_the_clerk_who_opened_it(world):
    client = desk(world, "window_clerk")
    opened = confirm(
        client,
        u("reset_pin", world.adult_card.number),
        {"presenter": "self", "documents": ["id_card"]},
    )
    token = opened["Location"].rstrip("/").split("/")[-1]
    other = desk(world, "bank_clerk")
    assert other.get(u("pinpad", token)).status_code == 404
    assert (
        other.post(u("pinpad", token), {"pin": "802417", "pin_again": "802417"}).status_code == 404
    )


def test_a_card_is_handed_over_only_where_it_waits(world):
    app = _ready(world, _reissue(world, desk(world, "window_clerk")))
    second = add_staff("bank_clerk", BankOutletFactory_same_bank(world), "icbc-2")
    client = Client()
    client.force_login(second)
    with nothing_changes(app):
        answer = english(client).post(
            u("hand_over", app.number),
            {"presenter": "self", "documents": ["id_card"], "confirm": "1"},
        )
    assert answer.status_code == 409
    assert "The card waits at outlet BK0001" in answer.content.decode()


def BankOutletFactory_same_bank(world: World):
    from tests.factories import BankOutletFactory

    return BankOutletFactory.create(code="BK0009", bank=world.bank)


def test_instant_issuance_where_the_outlet_can(world):
    bank = desk(world, "bank_clerk")
    confirm(
        bank,
        u("report_loss", world.adult_card.number),
        {"kind": "formal", "presenter": "self", "documents": ["id_card"]},
    )
    confirm(
        bank,
        u("apply", world.adult.reference),
        {
            "type": "reissue",
            "presenter": "self",
            "documents": ["id_card"],
            "bank": "ICBC",
            "production": "instant",
            "delivery": "pickup",
        },
    )
    app = CardApplication.objects.get(person=world.adult)
    confirm(bank, u("issue_instantly", app.number), {})
    app.refresh_from_db()
    assert app.status == "ready_for_collection" and app.collection_outlet == world.bank_outlet

    # The agency of the window clerk has no instant issuance: the form does not offer it.
    form = desk(world, "window_clerk").get(u("apply", world.child.reference)).content.decode()
    assert 'value="instant"' not in form


# ---------------------------------------------------------------- intakes


def test_a_community_intake_lands_in_the_agencys_queue_and_a_window_completes_it(world):
    newcomer = make_person(age=30)
    community = desk(world, "community_clerk")
    done = confirm(
        community,
        u("intake", newcomer.reference),
        {"type": "new", "presenter": "self", "note": "first card"},
    )
    assert done.status_code == 302
    intake = CardApplication.objects.get(person=newcomer)
    assert (intake.status, intake.outlet, intake.channel) == (
        "submitted",
        world.community,
        "window",
    )

    window = desk(world, "window_clerk")
    queue = window.get(u("intake_queue")).content.decode()
    assert intake.number in queue
    assert desk(world, "bank_clerk").get(u("complete_intake", intake.number)).status_code == 403

    confirm(
        window,
        u("complete_intake", intake.number),
        {"documents": ["id_card"], "bank": "ICBC", "production": "batch", "delivery": "pickup"},
    )
    intake.refresh_from_db()
    assert intake.status == "receipt_issued" and intake.fee_waiver == "first_card"
    assert "0 rows" in window.get(u("intake_queue")).content.decode()


# ---------------------------------------------------------------- the hotline


def _check(client: Client, world: World, name: str, last4: str, bank: str = "ICBC"):
    return client.post(
        u("hotline_check", world.parent.reference),
        {"name": name, "q_phone_last4": last4, "q_card_bank": bank},
    )


def test_the_hotline_checks_identity_then_reports_the_childs_card(world):
    hotline = desk(world, "hotline_agent")
    found = hotline.post(u("hotline"), {"id_number": world.parent.social_security_number})
    assert found["Location"] == u("hotline_check", world.parent.reference)
    report_url = u("hotline_report", world.parent.reference, world.child_card.number)
    with nothing_changes(world.child_card):
        assert hotline.post(report_url, {"confirm": "1"}).status_code == 403

    failed = _check(hotline, world, "someone else", world.parent.phone[-4:])
    assert failed.status_code == 403 and "do not match the record" in failed.content.decode()
    # The parent has no card of their own: the mobile number is the question.
    assert last_event("person.identity_check_failed").after == {
        "questions": ["phone_last4"],
        "passed": False,
    }
    assert hotline.get(u("hotline_caller", world.parent.reference)).status_code == 302

    passed = _check(hotline, world, world.parent.name, world.parent.phone[-4:])
    assert passed["Location"] == u("hotline_caller", world.parent.reference)
    caller = hotline.get(passed["Location"]).content.decode()
    assert world.child_card.number in caller and world.child.name not in caller

    done = confirm(hotline, report_url, {})

    assert done.status_code == 302
    report = LossReport.objects.get(card=world.child_card)
    assert (report.kind, report.channel, report.reporter_relation) == (
        "temporary",
        "hotline",
        "guardian",
    )
    assert report.outlet is None
    event = last_event("loss_report.created")
    assert (event.actor_role, event.channel, event.outlet_code) == (
        "hotline_agent",
        "hotline",
        "HR0001",
    )
    assert "Tell the caller the reference" in hotline.get(done["Location"]).content.decode()


def test_three_failed_identity_checks_stop_further_checks(world):
    hotline = desk(world, "hotline_agent")
    for _ in range(3):
        assert _check(hotline, world, world.parent.name, "0000").status_code == 403
    blocked = _check(hotline, world, world.parent.name, world.parent.phone[-4:])
    assert blocked.status_code == 403
    assert "Too many failed identity checks" in blocked.content.decode()
    assert hotline.get(u("hotline_caller", world.parent.reference)).status_code == 302


def test_the_hotline_cannot_report_a_card_that_is_not_the_callers_or_a_wards(world):
    hotline = desk(world, "hotline_agent")
    _check(hotline, world, world.parent.name, world.parent.phone[-4:])
    with nothing_changes(world.adult_card):
        answer = hotline.post(
            u("hotline_report", world.parent.reference, world.adult_card.number), {"confirm": "1"}
        )
    assert answer.status_code == 404


# ---------------------------------------------------------------- personal data


def test_the_id_number_is_masked_and_revealing_it_is_confirmed_and_audited(world):
    client = desk(world, "window_clerk")
    number = world.adult.social_security_number
    page = client.get(u("person", world.adult.reference)).content.decode()
    assert number not in page and mask_id_number(number) in page
    assert world.adult.name not in page and "13812345678" not in page

    review = client.post(u("reveal", world.adult.reference), {"reason": "compare_document"})
    assert number not in review.content.decode()
    assert not AuditEvent.objects.filter(action="person.id_number_revealed").exists()

    shown = client.post(
        u("reveal", world.adult.reference), {"reason": "compare_document", "confirm": "1"}
    )

    assert number in shown.content.decode()
    event = last_event("person.id_number_revealed")
    assert (event.object_id, event.actor_id, event.after) == (
        str(world.adult.pk),
        "window-clerk",
        {"reason": "compare_document"},
    )
    assert number not in client.get(u("person", world.adult.reference)).content.decode()


def test_finding_a_person_posts_the_id_number_and_explains_a_typo(world):
    client = desk(world, "window_clerk")
    number = world.adult.social_security_number
    found = client.post(u("find_person"), {"id_number": number.lower()})
    assert found["Location"] == u("person", world.adult.reference)
    typo = client.post(u("find_person"), {"id_number": with_a_wrong_check_character(number)})
    assert typo.status_code == 422
    assert "does not match" in typo.content.decode()


# ---------------------------------------------------------------- supervision


def test_the_supervisor_exports_a_masked_csv_and_the_export_is_audited(world):
    app = _reissue(world, desk(world, "window_clerk"))
    supervisor = desk(world, "supervisor")
    answer = supervisor.get(u("applications"), {"format": "csv", "status": "receipt_issued"})
    body = answer.getvalue().decode("utf-8-sig")
    assert answer["Content-Type"].startswith("text/csv")
    assert app.number in body and mask_id_number(world.adult.social_security_number) in body
    assert world.adult.social_security_number not in body
    event = last_event("list.exported")
    assert (event.object_id, event.after) == (
        "applications",
        {"rows": 1, "filters": {"status": "receipt_issued"}},
    )


def test_the_dashboard_and_the_audit_chain_check(world):
    _reissue(world, desk(world, "window_clerk"))
    supervisor = desk(world, "supervisor")
    dashboard = supervisor.get(u("dashboard")).content.decode()
    assert "Loss reports per day by channel (1 in 30 days)" in dashboard
    assert '<svg viewBox="0 0 720 240" role="img"' in dashboard

    write_checkpoint()
    checked = supervisor.post(u("audit_verify"))
    page = supervisor.get(checked["Location"]).content.decode()
    events = AuditEvent.objects.count() - 1  # the check's own event comes after it
    assert f"The audit chain is intact: {events} events and 1 signed checkpoints verified" in page
    assert last_event("audit.chain_verified").after["ok"] is True
    assert verify_chain().ok


def test_the_console_check_catches_an_altered_checkpoint_as_the_command_does(world):
    _reissue(world, desk(world, "window_clerk"))
    write_checkpoint()
    AuditCheckpoint.objects.filter(number=1).update(root="0" * 64)
    supervisor = desk(world, "supervisor")
    checked = supervisor.post(u("audit_verify"))
    page = supervisor.get(checked["Location"]).content.decode()
    assert (
        "The audit checkpoints are broken at checkpoint 1: checkpoint #1 has been altered" in page
    )
    assert "every event&#x27;s chain holds" in page
    after = last_event("audit.chain_verified").after
    assert (after["ok"], after["broken_at"], after["checkpoint_broken_at"]) == (False, None, 1)
    with pytest.raises(CommandError, match="audit checkpoints broken at #1"):
        call_command("audit", "verify")


def test_lists_are_paginated_and_searchable(world):
    window = Actor(
        kind="staff",
        id="w",
        role=Role.WINDOW_CLERK,
        channel=Channel.WINDOW,
        outlet_code=world.community.code,
    )
    for _ in range(30):
        person = make_person()
        record_intake(
            actor=window,
            type="new",
            person=person,
            applicant=person,
            relation="self",
            outlet=world.community,
        )
    supervisor = desk(world, "supervisor")
    first = supervisor.get(u("applications")).content.decode()
    assert "30 rows" in first and "Page 1 of 2" in first
    assert "Page 2 of 2" in supervisor.get(u("applications"), {"page": 2}).content.decode()
    number = CardApplication.objects.order_by("pk").values_list("number", flat=True)[0]
    found = supervisor.get(u("applications"), {"q": number.lower()}).content.decode()
    assert "1 row" in found and number in found


# ---------------------------------------------------------------- signing in


def test_repeated_failed_sign_ins_lock_the_account(world):
    from tests.console_support import PASSWORD

    add_staff("window_clerk", world.agency, "locked-clerk", password=PASSWORD)
    client = english(Client())
    for _ in range(5):
        answer = client.post(u("login"), {"username": "locked-clerk", "password": "wrong"})
    assert answer.status_code == 429 and "Account locked" in answer.content.decode()
    again = client.post(u("login"), {"username": "locked-clerk", "password": PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_signing_in_and_out(world):
    from tests.console_support import PASSWORD

    add_staff("window_clerk", world.agency, "clerk-2", password=PASSWORD)
    client = english(Client())
    wrong = client.post(u("login"), {"username": "clerk-2", "password": "nope"})
    assert wrong.status_code == 200 and "Sign-in failed" in wrong.content.decode()
    done = client.post(u("login"), {"username": "clerk-2", "password": PASSWORD})
    assert done["Location"] == u("home")
    assert "Console of the window clerk" in client.get(u("home")).content.decode()
    client.post(u("logout"))
    assert client.get(u("home"))["Location"].startswith(u("login"))


def test_the_api_bearer_tokens_do_not_go_through_the_lock_out(world, make_token):
    token = make_token("cards:verify")
    client = Client()
    for _ in range(6):
        client.post(u("login"), {"username": "window-clerk", "password": "wrong"})
    answer = client.get("/api/v1/ping", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200


def test_pages_speak_chinese_by_default(world):
    client = world.client("window_clerk")
    page = client.get(u("report_loss", world.adult_card.number)).content.decode()
    assert '<html lang="zh-Hans">' in page
    assert "挂失" in page


def test_a_refused_action_names_the_rule_in_chinese(world):
    client = world.client("window_clerk")
    answer = client.post(
        u("report_loss", world.adult_card.number),
        {"kind": "formal", "presenter": "self", "confirm": "1"},
    )
    assert answer.status_code == 422
    assert "缺少原件" in answer.content.decode()


def test_a_bank_clerk_files_as_the_bank_whatever_the_form_claims(world):
    client = desk(world, "bank_clerk")
    confirm(
        client,
        u("report_loss", world.adult_card.number),
        {
            "kind": "formal",
            "presenter": "self",
            "documents": ["id_card"],
            "channel": "window",
            "outlet": world.agency.code,
        },
    )
    report = LossReport.objects.get(card=world.adult_card)
    assert (report.channel, report.outlet) == ("bank", world.bank_outlet)
    event = last_event("loss_report.created")
    assert (event.channel, event.outlet_code, event.actor_role) == ("bank", "BK0001", "bank_clerk")


def test_an_administrator_binds_staff_in_the_admin_and_it_is_audited(world):
    from django.contrib.auth import get_user_model

    from sscard.staff.models import StaffMember

    user = get_user_model().objects.create_user(username="new-window-clerk")
    admin = world.client("admin")
    add = "/admin/staff/staffmember/add/"
    wrong = admin.post(add, {"user": user.pk, "role": "bank_clerk", "outlet": world.agency.pk})
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    assert not StaffMember.objects.filter(user=user).exists()

    done = admin.post(add, {"user": user.pk, "role": "window_clerk", "outlet": world.agency.pk})

    assert done.status_code == 302
    member = StaffMember.objects.get(user=user)
    assert (member.role, member.outlet) == ("window_clerk", world.agency)
    assert [g.name for g in user.groups.all()] == ["window_clerk"]
    event = last_event("staff.bound")
    assert (event.object_id, event.actor_id, event.actor_role) == (
        "new-window-clerk",
        "admin",
        "admin",
    )


def test_a_mangled_presenter_or_page_is_not_an_error(world):
    client = desk(world, "window_clerk")
    checklist = client.get(u("checklist", world.child.reference), {"presenter": "gx'--"})
    assert checklist.status_code == 200 and 'value="id_card"' in checklist.content.decode()
    assert client.get(u("applications"), {"page": "abc", "status": "nonsense"}).status_code == 200
    with nothing_changes(world.adult_card):
        answer = client.post(
            u("report_loss", world.adult_card.number),
            {"kind": "formal", "presenter": "g999999", "documents": ["id_card"], "confirm": "1"},
        )
    assert answer.status_code == 422


def test_lifting_after_a_reissue_is_refused_before_the_confirmation(world):
    """The clerk learns of the refusal on opening the form, not after confirming a summary
    that promises the card is usable again."""
    client = world.client("window_clerk")
    confirm(
        client,
        u("report_loss", world.adult_card.number),
        {"kind": "formal", "presenter": "self", "documents": ["id_card"]},
    )
    confirm(
        client,
        u("apply", world.adult.reference),
        {
            "type": "reissue",
            "presenter": "self",
            "documents": ["id_card"],
            "delivery": "pickup",
            "production": "batch",
        },
    )
    report = LossReport.objects.get(card=world.adult_card)
    opened = client.get(u("lift", report.reference))
    assert opened.status_code == 409
    assert "已申请补卡" in opened.content.decode()
    with nothing_changes(report, world.adult_card):
        review = client.post(
            u("lift", report.reference), {"presenter": "self", "documents": ["id_card"]}
        )
    page = review.content.decode()
    assert review.status_code == 409
    assert 'name="confirm"' not in page
    assert "已申请补卡" in page


def test_an_application_without_its_reason_or_mail_address_is_refused_in_chinese(world):
    client = world.client("window_clerk")
    data = {
        "type": "replacement",
        "reason": "",
        "presenter": "self",
        "documents": ["id_card"],
        "production": "batch",
        "delivery": "mail",
        "mail_address": " ",
    }
    with nothing_changes(world.adult_card):
        review = client.post(u("apply", world.adult.reference), data)
        done = client.post(u("apply", world.adult.reference), {**data, "confirm": "1"})
    for answer in (review, done):
        page = answer.content.decode()
        assert answer.status_code == 422
        assert 'name="confirm"' not in page
        assert "请选择换卡原因" in page
        assert "邮寄需要填写邮寄地址" in page
        assert "Unknown" not in page and "Mail delivery" not in page
    assert not CardApplication.objects.filter(person=world.adult).exists()


def test_an_intake_for_a_replacement_needs_its_reason_in_chinese(world):
    client = world.client("community_clerk")
    data = {"type": "replacement", "reason": "", "presenter": "self", "note": ""}
    review = client.post(u("intake", world.adult.reference), data)
    done = client.post(u("intake", world.adult.reference), {**data, "confirm": "1"})
    for answer in (review, done):
        page = answer.content.decode()
        assert answer.status_code == 422
        assert 'name="confirm"' not in page
        assert "请选择换卡原因" in page and "Unknown" not in page
    assert not CardApplication.objects.filter(person=world.adult).exists()


def test_the_pin_pad_does_not_open_for_a_card_that_cannot_be_activated(world):
    """The holder is not asked to type a PIN that the card's service will refuse anyway."""
    client = world.client("window_clerk")
    data = {"presenter": "self", "documents": ["id_card"]}
    review = client.post(u("activate", world.adult_card.number), data)
    done = client.post(u("activate", world.adult_card.number), {**data, "confirm": "1"})
    for answer in (review, done):
        page = answer.content.decode()
        assert answer.status_code == 409
        assert 'name="confirm"' not in page
        assert "只有已领取的卡才能启用" in page
    assert not PinPadRequest.objects.exists()


def test_the_pin_pad_does_not_open_to_reset_the_pin_of_a_lost_card(world):
    client = world.client("window_clerk")
    confirm(
        client,
        u("report_loss", world.adult_card.number),
        {"kind": "formal", "presenter": "self", "documents": ["id_card"]},
    )
    answer = client.post(
        u("reset_pin", world.adult_card.number), {"presenter": "self", "documents": ["id_card"]}
    )
    assert answer.status_code == 409
    assert 'name="confirm"' not in answer.content.decode()
    assert "不能办理" in answer.content.decode()
    assert not PinPadRequest.objects.exists()


def test_a_report_by_phone_without_an_identity_check_is_refused_in_chinese(world):
    client = world.client("hotline_agent")
    with nothing_changes(world.adult_card):
        answer = client.post(
            u("hotline_report", world.adult.reference, world.adult_card.number), {"confirm": "1"}
        )
    page = answer.content.decode()
    assert answer.status_code == 403
    assert "尚未核验来电人身份" in page and "has not been checked" not in page
    assert not LossReport.objects.exists()


def test_the_audit_log_names_each_action_in_words_with_its_code(world):
    _reissue(world, desk(world, "window_clerk"))
    chinese = world.client("supervisor").get(u("audit"), {"action": "loss_report."})
    page = chinese.content.decode()
    assert "已登记挂失 (loss_report.created)" in page
    english_page = desk(world, "supervisor").get(u("audit"), {"action": "application."})
    assert "Receipt for Reissuing issued (application.receipt_issued)" in unescape(
        english_page.content.decode()
    )
    exported = desk(world, "supervisor").get(u("audit"), {"format": "csv"})
    assert "(loss_report.created)" in exported.getvalue().decode("utf-8-sig")
