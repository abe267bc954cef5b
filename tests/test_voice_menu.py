"""The 12333 voice menu, driven through its webhooks as the telephony platform drives them:
signed requests, the keys pressed (DTMF), the hang-up through the status callback. A report
made in the menu is a temporary report on the hotline channel with the notices of any other;
a caller who hangs up at any step leaves nothing half-done; bad keys change nothing; three
failed tries, or 0, reach an agent."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from sscard.audit.models import AuditEvent
from sscard.calls.models import Call, Identity, TransferReason
from sscard.calls.services import report_loss_by_menu
from sscard.cards.models import Card, CardStatus, LossKind, LossReport, LossStatus
from sscard.common.context import Channel
from sscard.common.errors import Conflict
from sscard.common.masking import mask_id_number
from sscard.notifications.models import OutboxMessage
from sscard.people.models import Person
from sscard.voice import prompts
from sscard.voice.prompts import EN, ZH
from tests.console_support import build_world
from tests.factories import citizen_id, make_card, make_person
from tests.portal_support import reissue_ready_for_collection
from tests.voice_support import SECRET, Phone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def secret(settings: Any) -> Any:
    settings.VOICE_AUTH_TOKEN = SECRET
    settings.VOICE_AGENTS = "sip:agents@hotline.example.gov.cn"
    return settings


@pytest.fixture
def holder() -> Person:
    return make_person(age=40, name="陈大文", phone="13812345678")


@pytest.fixture
def card(holder: Person) -> Card:
    return make_card(person=holder)


def id_keys(person: Person) -> str:
    """The ID number as keyed on a phone: X is the star key, # ends it."""
    return person.social_security_number.replace("X", "*") + "#"


def checked_in(phone: Phone, person: Person, *, service: str, language: str = "1") -> None:
    phone.dial()
    phone.press(language)
    phone.press(service)
    phone.press(id_keys(person))
    phone.press("1")
    phone.press("5678")


def state_of(card: Card) -> tuple[str, str, int, int, int]:
    card.refresh_from_db()
    return (
        card.status,
        card.bank_status,
        LossReport.objects.count(),
        OutboxMessage.objects.count(),
        AuditEvent.objects.exclude(action__startswith="person.identity").count(),
    )


# ---------------------------------------------------------------- the whole call


def test_a_caller_reports_the_card_lost_step_by_step(holder: Person, card: Card) -> None:
    phone = Phone()
    phone.dial()
    assert phone.last_said == [prompts.prompt("welcome", ZH), prompts.prompt("welcome", EN)]
    assert phone.languages == {"zh-CN", "en-US"}

    phone.press("1")
    assert phone.last_said == [prompts.prompt("services", ZH)]
    assert phone.languages == {"zh-CN"}

    phone.press("1")
    assert phone.last_said == [prompts.prompt("id_number", ZH)]
    gather = phone.twiml.find("Gather") if phone.twiml is not None else None
    assert gather is not None and gather.attrib["finishOnKey"] == "#"

    phone.press(id_keys(holder))
    spoken = " ".join(holder.social_security_number)
    assert phone.last_said == [prompts.prompt("id_read_back", ZH, digits=spoken)]

    phone.press("1")
    assert phone.last_said == [prompts.prompt("security", ZH)]

    phone.press("5678")
    offer = phone.last_said[0]
    assert f"尾号{' '.join(card.number[-4:])}的社保卡" in offer
    assert "确认挂失请按1" in offer
    before = state_of(card)
    assert before[:3] == (CardStatus.NORMAL, "normal", 0)

    phone.press("1")
    report = LossReport.objects.get()
    card.refresh_from_db()
    assert (report.card, report.kind, report.status, report.channel) == (
        card,
        LossKind.TEMPORARY,
        LossStatus.EFFECTIVE,
        Channel.HOTLINE,
    )
    assert (report.reporter, report.reporter_relation) == (holder, "self")
    assert card.status == CardStatus.TEMPORARILY_LOST
    assert phone.last_said[0] == prompts.prompt(
        "report_made", ZH, reference=" ".join(report.reference)
    )
    assert phone.last_said[-1] == prompts.prompt("services", ZH)
    # The notices of any loss report: the holder told, the bank told.
    topics = sorted(OutboxMessage.objects.values_list("kind", "topic"))
    assert ("webhook", "card.blocked") in topics
    assert any(topic == "loss_report_effective" for _, topic in topics)
    assert OutboxMessage.objects.filter(topic="loss_report_effective", recipient=holder).exists()
    created = AuditEvent.objects.get(action="loss_report.created")
    assert (created.actor_kind, created.actor_id, created.channel) == (
        "citizen",
        f"person:{holder.pk}",
        Channel.HOTLINE,
    )
    call = Call.objects.get(sid=phone.sid)
    assert (call.identity, call.person, call.loss_report) == (Identity.PASSED, holder, report)


def test_the_menu_speaks_english_when_asked(holder: Person, card: Card) -> None:
    phone = Phone()
    checked_in(phone, holder, service="2", language="2")

    assert phone.languages == {"en-US"}
    assert phone.last_said[0] == prompts.prompt(
        "card_status", EN, last4=" ".join(card.number[-4:]), status="in use"
    )
    assert phone.last_said[-1] == prompts.prompt("services", EN)


def test_an_id_number_ending_in_x_is_keyed_with_the_star_key() -> None:
    number = next(n for n in (citizen_id(age=35) for _ in range(40)) if n.endswith("X"))
    person = make_person(social_security_number=number, phone="13900001234")
    make_card(person=person)
    phone = Phone()
    phone.dial()
    phone.press("1")
    phone.press("2")
    phone.press(id_keys(person))

    assert phone.last_said == [prompts.prompt("id_read_back", ZH, digits=" ".join(number))]
    phone.press("1")
    phone.press("1234")
    assert "正常" in phone.last_said[0]


def test_the_status_of_the_card_and_the_progress_of_the_application(
    holder: Person, card: Card
) -> None:
    phone = Phone()
    checked_in(phone, holder, service="3")
    assert phone.last_said[0] == prompts.prompt("no_application", ZH)

    application = reissue_ready_for_collection(card)
    phone.press("3")  # identity already checked in this call: straight to the answer
    assert phone.last_said[0] == prompts.prompt(
        "application_status", ZH, number=" ".join(application.number), status="新卡已可领取"
    )
    phone.press("2")  # the card in the holder's hand is now the new one, waiting
    new = Card.objects.exclude(pk=card.pk).get(person=holder)
    assert phone.last_said[0] == prompts.prompt(
        "card_status", ZH, last4=" ".join(new.number[-4:]), status="待领取"
    )


# ---------------------------------------------------------------- hanging up at any step

KEYS = ["1", "1", "ID", "1", "5678", "1"]


@pytest.mark.parametrize("after", range(len(KEYS)))
def test_a_caller_who_hangs_up_at_any_step_leaves_nothing_half_done(
    after: int, holder: Person, card: Card
) -> None:
    before = state_of(card)
    phone = Phone()
    phone.dial()
    for key in KEYS[:after]:
        phone.press(id_keys(holder) if key == "ID" else key)
    phone.hang_up()

    for key in KEYS[after:]:
        root = phone.press(id_keys(holder) if key == "ID" else key)
        assert root.find("Hangup") is not None
        assert root.find("Gather") is None and root.find("Dial") is None

    assert state_of(card) == before
    assert Call.objects.get(sid=phone.sid).ended_at is not None


def test_hanging_up_twice_or_for_an_unknown_call_changes_nothing(holder: Person) -> None:
    phone = Phone()
    phone.dial()
    phone.hang_up()
    ended = Call.objects.get(sid=phone.sid).ended_at
    phone.hang_up()
    assert Call.objects.get(sid=phone.sid).ended_at == ended
    Phone().hang_up()
    assert Call.objects.count() == 1


# ---------------------------------------------------------------- bad keys, failed tries


def test_bad_keys_change_nothing_and_are_asked_again(holder: Person, card: Card) -> None:
    before = state_of(card)
    phone = Phone()
    phone.dial()
    phone.press("7")
    assert phone.last_said == [
        prompts.prompt("wrong_key", ZH),
        prompts.prompt("wrong_key", EN),
        prompts.prompt("welcome", ZH),
        prompts.prompt("welcome", EN),
    ]
    phone.press("1")
    phone.press("1")
    phone.press("110105199001011234#")  # the check character does not match
    assert phone.last_said == [prompts.prompt("id_invalid", ZH), prompts.prompt("id_number", ZH)]
    call = Call.objects.get(sid=phone.sid)
    assert (call.step, call.tries, call.id_number) == ("id_number", 1, "")
    phone.press("")  # no key before the time out
    assert phone.last_said[0] == prompts.prompt("no_key", ZH)
    assert state_of(card) == before


def test_a_number_no_one_holds_fails_exactly_like_a_wrong_answer(
    holder: Person, card: Card
) -> None:
    stranger = Phone()
    stranger.dial()
    stranger.press("1")
    stranger.press("1")
    stranger.press(citizen_id(age=30) + "#")
    stranger.press("1")
    stranger.press("5678")

    wrong = Phone()
    wrong.dial()
    wrong.press("1")
    wrong.press("1")
    wrong.press(id_keys(holder))
    wrong.press("1")
    wrong.press("0000")

    assert (
        stranger.last_said
        == wrong.last_said
        == [
            prompts.prompt("identity_failed", ZH),
            prompts.prompt("security", ZH),
        ]
    )
    failed = AuditEvent.objects.get(action="person.identity_check_failed")
    assert failed.object_id == str(holder.pk)
    assert "0000" not in str(failed.after) and "5678" not in str(failed.after)
    assert LossReport.objects.count() == 0


@pytest.mark.parametrize("step", ["language", "services", "security"])
def test_three_failed_tries_reach_an_agent(step: str, holder: Person, card: Card) -> None:
    phone = Phone()
    phone.dial()
    bad = "9"
    if step != "language":
        phone.press("1")
    if step == "security":
        phone.press("1")
        phone.press(id_keys(holder))
        phone.press("1")
        bad = "0001"
    phone.press(bad)
    phone.press(bad)
    assert phone.transferred_to == ""
    phone.press(bad)

    call = Call.objects.get(sid=phone.sid)
    assert call.transfer_reason == TransferReason.FAILED_TRIES
    assert phone.transferred_to == (
        f"sip:agents@hotline.example.gov.cn?X-Call-Reference={call.reference}"
    )
    assert LossReport.objects.count() == 0
    transferred = AuditEvent.objects.get(action="call.transferred")
    assert (transferred.object_type, transferred.object_id) == ("call", call.reference)
    assert transferred.after["reason"] == "failed_tries"


def test_answers_are_not_guessed_by_calling_back(holder: Person, card: Card) -> None:
    for guess in ("0001", "0002", "0003"):
        phone = Phone()
        phone.dial()
        phone.press("1")
        phone.press("1")
        phone.press(id_keys(holder))
        phone.press("1")
        phone.press(guess)
        phone.hang_up()

    phone = Phone()
    checked_in(phone, holder, service="1")  # the right answer, too late

    call = Call.objects.get(sid=phone.sid)
    assert (call.identity, call.transfer_reason) == (Identity.NOT_CHECKED, TransferReason.IDENTITY)
    assert phone.last_said[0] == prompts.REFUSALS["identity_checks_exhausted"][ZH]
    assert phone.transferred_to.endswith(call.reference)
    assert LossReport.objects.count() == 0


# ---------------------------------------------------------------- 0 for an agent


@pytest.mark.parametrize(
    "presses", [[], ["1"], ["1", "1"], ["1", "1", "ID"], ["1", "2", "ID", "1"]]
)
def test_0_reaches_an_agent_at_any_step(presses: list[str], holder: Person, card: Card) -> None:
    before = state_of(card)
    phone = Phone()
    phone.dial()
    for key in presses:
        phone.press(id_keys(holder) if key == "ID" else key)
    phone.press("0")

    call = Call.objects.get(sid=phone.sid)
    assert call.transfer_reason == TransferReason.ASKED
    assert phone.transferred_to.endswith(f"X-Call-Reference={call.reference}")
    assert " ".join(call.reference) in " ".join(phone.last_said)
    assert state_of(card)[:4] == before[:4]


# ---------------------------------------------------------------- signatures


def test_unsigned_or_wrongly_signed_requests_are_refused_and_change_nothing(
    holder: Person,
) -> None:
    phone = Phone()
    params = {"CallSid": phone.sid, "CallStatus": "ringing"}
    assert Client().post("/voice/calls/", params).status_code == 403
    assert phone.post("/voice/calls/", params, secret="another-secret").status_code == 403
    signed = phone.post("/voice/calls/", params)
    assert signed.status_code == 200
    Call.objects.all().delete()

    # Signed for other parameters (the keys changed on the way): refused.
    from twilio.request_validator import RequestValidator

    url = "http://testserver/voice/calls/keys/"
    signature = RequestValidator(SECRET).compute_signature(url, {**params, "Digits": "1"})
    forged = Client().post(
        "/voice/calls/keys/",
        {**params, "Digits": "2"},
        headers={"X-Twilio-Signature": signature},
    )
    assert forged.status_code == 403
    assert Client().get("/voice/calls/").status_code == 405
    assert Call.objects.count() == 0


def test_without_a_secret_the_menu_answers_no_one(settings: Any) -> None:
    settings.VOICE_AUTH_TOKEN = ""
    phone = Phone()
    assert phone.post("/voice/calls/", {"CallSid": phone.sid}).status_code == 403
    assert Call.objects.count() == 0


def test_behind_the_tls_proxy_the_public_https_address_is_the_one_signed(settings: Any) -> None:
    host = "sscard.example.gov.cn"
    settings.ALLOWED_HOSTS = [host]
    settings.TRUSTED_PROXIES = 1
    settings.SECURE_SSL_REDIRECT = True
    client = Client(HTTP_HOST=host)
    headers = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}

    phone = Phone(client=client, base=f"https://{host}", extra=headers)
    phone.dial()
    assert phone.action == f"https://{host}/voice/calls/keys/"
    phone.press("2")
    assert phone.languages == {"en-US"}

    plain = Phone(client=client, base=f"http://{host}", extra=headers)
    assert plain.post("/voice/calls/", {"CallSid": plain.sid}).status_code == 403


# ---------------------------------------------------------------- the prompt table


def test_every_prompt_and_every_status_is_worded_in_both_languages() -> None:
    import re

    from sscard.applications.models import ApplicationStatus

    cjk = re.compile(r"[\u4e00-\u9fff]")
    tables = [
        *prompts.PROMPTS.values(),
        *prompts.REFUSALS.values(),
        prompts.REFUSED,
        *prompts.CARD_STATUS.values(),
        *prompts.APPLICATION_STATUS.values(),
    ]
    for entry in tables:
        assert set(entry) == {ZH, EN}
        assert cjk.search(entry[ZH]), entry
        assert not cjk.search(entry[EN]), entry
    assert set(prompts.CARD_STATUS) == set(CardStatus.values)
    assert set(prompts.APPLICATION_STATUS) == set(ApplicationStatus.values)


# ---------------------------------------------------------------- the agent's screen


def test_the_agent_opens_a_transferred_call_by_its_reference() -> None:
    world = build_world()
    adult = world.adult
    phone = Phone()
    checked_in(phone, adult, service="1")
    phone.press("0")  # at the final confirm: nothing reported, an agent wanted
    call = Call.objects.get(sid=phone.sid)
    assert phone.transferred_to.endswith(f"X-Call-Reference={call.reference}")
    assert LossReport.objects.count() == 0

    agent = world.client("hotline_agent")
    page = agent.get(f"/console/calls/{call.reference}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert mask_id_number(adult.social_security_number) in text
    assert adult.social_security_number not in text
    assert "来电人已确认" in text and "已通过" in text
    assert "临时挂失" in text and "来电人按0转人工" in text
    caller_url = f"/console/hotline/callers/{adult.reference}/"
    check_url = caller_url + "check/"
    assert check_url in text
    assert page["Cache-Control"].startswith("max-age=0")

    # The menu's keypad check leads to the caller, but does not stand for the agent's check of
    # the name and the questions: the caller's page waits for it.
    assert agent.get(caller_url)["Location"].endswith(check_url)
    checked = agent.post(
        check_url,
        {
            "name": adult.name,
            "q_phone_last4": adult.phone[-4:],
            "q_card_bank": world.bank.code,
        },
    )
    assert checked["Location"] == caller_url
    caller = agent.get(caller_url)
    assert caller.status_code == 200
    assert (
        f"/console/hotline/callers/{adult.reference}/cards/{world.adult_card.number}/report/"
        in (caller.content.decode())
    )
    assert agent.get(f"/console/calls/?reference={call.reference}")["Location"] == (
        f"/console/calls/{call.reference}/"
    )


def test_a_call_whose_identity_was_not_checked_leads_to_no_one() -> None:
    world = build_world()
    phone = Phone()
    phone.dial()
    phone.press("1")
    phone.press("1")
    phone.press(id_keys(world.adult))
    phone.press("0")
    call = Call.objects.get(sid=phone.sid)

    agent = world.client("hotline_agent")
    text = agent.get(f"/console/calls/{call.reference}/").content.decode()
    assert mask_id_number(world.adult.social_security_number) in text
    assert "未确认" in text and "未核验" in text
    assert world.adult.reference not in text
    # The agent's caller page still asks for the agent's own check.
    assert agent.get(f"/console/hotline/callers/{world.adult.reference}/").status_code == 302

    assert agent.get("/console/calls/0000000000/").status_code == 404
    assert agent.get("/console/calls/?reference=0000000000").status_code == 404
    assert world.client("window_clerk").get(f"/console/calls/{call.reference}/").status_code == 403


# ---------------------------------------------------------------- sscard call


def test_sscard_call_plays_the_menu_and_reports_through_the_same_webhooks(
    holder: Person, card: Card, tmp_path: Any
) -> None:
    out = io.StringIO()
    keys = f"1,1,{id_keys(holder)},1,5678,1"
    call_command("call", keys=keys, speak=tmp_path / "prompts", stdout=out)

    text = out.getvalue()
    assert f"[zh-CN] {prompts.prompt('welcome', ZH)}" in text
    assert f"[en-US] {prompts.prompt('welcome', EN)}" in text
    report = LossReport.objects.get()
    assert (report.channel, report.kind) == (Channel.HOTLINE, LossKind.TEMPORARY)
    assert " ".join(report.reference) in text
    assert "(hung up)" in text
    assert Call.objects.get().ended_at is not None
    spoken = sorted((tmp_path / "prompts").glob("*.wav"))
    assert len(spoken) == text.count("[zh-CN]") + text.count("[en-US]")
    assert all(path.read_bytes()[:4] == b"RIFF" for path in spoken)
    assert {path.stem.split("-", 1)[1] for path in spoken} == {"zh-CN", "en-US"}


def test_sscard_call_refuses_a_server_that_does_not_share_the_secret(settings: Any) -> None:
    settings.VOICE_AUTH_TOKEN = ""
    with pytest.raises(CommandError, match="SSCARD_VOICE_AUTH_TOKEN"):
        call_command("call", url="http://127.0.0.1:9", keys="0", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_sscard_call_over_http_to_a_running_server(live_server: Any, default_policy: Any) -> None:
    person = make_person(age=30, phone="13900004321")
    make_card(person=person)
    out = io.StringIO()
    call_command("call", url=live_server.url, keys=f"2,2,{id_keys(person)},1,4321,0", stdout=out)
    text = out.getvalue()
    assert "[en-US] Your card ending in" in text and "is in use." in text
    call = Call.objects.get()
    assert (call.identity, call.transfer_reason) == (Identity.PASSED, TransferReason.ASKED)
    assert (
        f"(transferred to sip:agents@hotline.example.gov.cn?X-Call-Reference={call.reference})"
        in text
    )


def test_the_same_confirm_sent_twice_reports_once(holder: Person, card: Card) -> None:
    phone = Phone()
    checked_in(phone, holder, service="1")
    phone.press("1")
    report = LossReport.objects.get()
    before = state_of(card)

    # The second of two confirms sent at once finds the call past the confirm.
    call = Call.objects.get(sid=phone.sid)
    with pytest.raises(Conflict):
        report_loss_by_menu(call, at_step="confirm_report")
    assert state_of(card) == before
    assert LossReport.objects.get().renewals == report.renewals

    # A confirm the platform sends again lands on the services: it offers, it does not report.
    phone.press("1")
    assert "确认挂失请按1" in phone.last_said[-1]
    assert state_of(card) == before


def test_the_sweep_ends_calls_left_open_and_forgets_old_keyed_numbers(
    holder: Person, card: Card
) -> None:
    import datetime as dt

    from sscard.background.sweep import run_sweep
    from sscard.common import clock

    phone = Phone()
    phone.dial()
    phone.press("1")
    phone.press("1")
    phone.press(id_keys(holder))  # and then the hang-up never arrives
    started = clock.now()

    with clock.frozen_at(started + dt.timedelta(hours=23)):
        assert run_sweep(("voice calls closed and forgotten",)) == {
            "voice calls closed and forgotten": 0
        }
    with clock.frozen_at(started + dt.timedelta(days=1, minutes=1)):
        run_sweep(("voice calls closed and forgotten",))
        root = phone.press("1")
    assert root.find("Hangup") is not None
    call = Call.objects.get(sid=phone.sid)
    assert call.ended_at is not None and call.id_number == holder.social_security_number

    with clock.frozen_at(started + dt.timedelta(days=31)):
        run_sweep(("voice calls closed and forgotten",))
    assert Call.objects.get(sid=phone.sid).id_number == ""
    assert state_of(card)[2] == 0


def test_a_refusal_is_said_in_the_callers_words_and_changes_nothing(
    holder: Person, card: Card
) -> None:
    from sscard.policy.models import RegionalPolicy

    RegionalPolicy.objects.all().delete()  # no policy for the card's region
    before = state_of(card)
    phone = Phone()
    checked_in(phone, holder, service="1")

    assert phone.last_said == [
        prompts.REFUSALS["policy_missing"][ZH],
        prompts.prompt("services", ZH),
    ]
    assert Call.objects.get(sid=phone.sid).step == "services"
    assert state_of(card)[:3] == before[:3]


def test_a_whole_call_logs_no_id_number_and_no_phone(holder: Person, card: Card) -> None:
    from tests.test_log_masking import all_logs_captured, assert_nothing_personal

    with all_logs_captured() as logs:
        phone = Phone()
        checked_in(phone, holder, service="1")
        phone.press("1")
        stranger = Phone()
        stranger.dial()
        stranger.press("1")
        stranger.press("1")
        stranger.press(citizen_id(age=30) + "#")
        stranger.press("1")
        stranger.press("5678")
        stranger.post("/voice/calls/keys/", {"CallSid": stranger.sid, "Digits": "1"}, secret="x")
        phone.hang_up()

    assert LossReport.objects.count() == 1
    assert "Forbidden" in logs.getvalue()  # the refused request is logged, its keys are not
    assert_nothing_personal(logs.getvalue())
