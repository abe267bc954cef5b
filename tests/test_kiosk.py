"""The self-service terminal (DOMAIN.md section 13): enrolment, identifying by the ID card or the
card and its PIN, each function and its refusals, the end of a session, and the words of every
refusal in both languages. Through the pages, with the real services and database."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from sscard.applications.models import ApplicationStatus, CardApplication
from sscard.audit.models import AuditEvent
from sscard.cards.models import Card, CardStatus, LossKind, LossReport
from sscard.cards.pins import pin_matches
from sscard.cards.services import report_loss
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import ErrorCode
from sscard.kiosk import session
from sscard.kiosk.errors import KIOSK_CODES, MESSAGES, message_for
from sscard.kiosk.labels import TABLES
from sscard.outlets.models import OutletType
from sscard.partners.models import ApiClient
from sscard.partners.services import create_api_client, revoke_api_client
from sscard.people.models import Person
from tests.factories import make_card, make_guardianship, make_outlet, nothing_changes
from tests.kiosk_support import (
    PIN,
    Terminal,
    enrol_command,
    enrolled,
    holder_with_card,
    id_reading,
    make_terminal,
)
from tests.portal_records_support import YEAR, a_year_of_records

pytestmark = pytest.mark.django_db


def by_id_card(terminal: Terminal, person: Person) -> Client:
    client = enrolled(terminal)
    answer = client.post(reverse("kiosk:id_card"), {"reading": id_reading(person)})
    assert answer.status_code == 302 and answer["Location"] == reverse("kiosk:menu")
    return client


def by_card_and_pin(terminal: Terminal, card: Card) -> Client:
    client = enrolled(terminal)
    answer = client.post(reverse("kiosk:card_pin"), {"card_number": card.number, "pin": PIN})
    assert answer.status_code == 302 and answer["Location"] == reverse("kiosk:menu")
    return client


def text(answer: Any) -> str:
    return answer.content.decode()


def formal_report(card: Card) -> None:
    agency = make_outlet()
    clerk = Actor(
        kind="staff",
        id="window-1",
        role=Role.WINDOW_CLERK,
        channel=Channel.WINDOW,
        outlet_code=agency.code,
    )
    report_loss(
        actor=clerk,
        card=card,
        kind=LossKind.FORMAL,
        reporter=card.person,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )


# ---------------------------------------------------------------- enrolment


@pytest.mark.parametrize(
    "path", ["/kiosk/", "/kiosk/id-card/", "/kiosk/card/", "/kiosk/menu/", "/kiosk/records/"]
)
def test_a_browser_not_enrolled_sees_only_that_the_terminal_is_not_set_up(path: str) -> None:
    answer = Client().get(path)
    assert answer.status_code == 403
    assert "本终端尚未设置" in text(answer)
    assert "<form" not in text(answer).split("<main")[1]


def test_the_enrolment_address_works_once_and_keeps_the_terminal_in_a_signed_cookie() -> None:
    terminal = make_terminal()
    client = enrolled(terminal)
    cookie = client.cookies["sscard_terminal"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert client.get("/kiosk/").status_code == 200

    again = Client().post(reverse("kiosk:enrol", args=[terminal.code]))
    assert again.status_code == 400 and "sscard_terminal" not in again.cookies
    tampered = Client().post(reverse("kiosk:enrol", args=[terminal.code[:-2] + "xx"]))
    assert tampered.status_code == 400
    # The enrolled terminal still works; its token was replaced, audited.
    assert client.get("/kiosk/").status_code == 200
    actions = AuditEvent.objects.filter(object_type="api_client").values_list("action", flat=True)
    assert list(actions.order_by("seq")) == ["api_client.created", "api_client.token_replaced"]


def test_a_forged_or_revoked_credential_is_not_a_terminal() -> None:
    terminal = make_terminal()
    client = enrolled(terminal)
    forged = Client()
    forged.cookies["sscard_terminal"] = "ssk_guessed"
    assert forged.get("/kiosk/").status_code == 403
    revoke_api_client(actor=Actor.operator(), name=terminal.client_name)
    assert client.get("/kiosk/").status_code == 403


def test_the_enrol_command_prints_a_one_time_address_for_a_terminal_outlet() -> None:
    outlet = make_outlet(code="SS1", type=OutletType.SELF_SERVICE_TERMINAL)
    url = enrol_command("--outlet", "SS1", "--base-url", "http://terminal.example")
    assert url.startswith("http://terminal.example/kiosk/enrol/")
    client = Client()
    assert client.post(url.removeprefix("http://terminal.example")).status_code == 302
    assert client.get("/kiosk/").status_code == 200
    made = ApiClient.objects.get(outlet=outlet)
    assert made.scopes == ["outlets:read"]


def test_a_token_made_for_a_terminal_outlet_is_enrolled_by_its_name() -> None:
    make_outlet(code="SS2", type=OutletType.SELF_SERVICE_TERMINAL)
    create_api_client(
        actor=Actor.operator(), name="hall-2", scopes="outlets:read", outlet_code="SS2"
    )
    url = enrol_command("--client", "hall-2", "--base-url", "")
    assert Client().post(url).status_code == 302


def test_only_a_terminal_outlet_can_be_enrolled() -> None:
    make_outlet(code="AG1")
    with pytest.raises(CommandError):
        enrol_command("--outlet", "AG1")
    create_api_client(actor=Actor.operator(), name="desk", scopes="outlets:read", outlet_code="AG1")
    with pytest.raises(CommandError):
        enrol_command("--client", "desk")


# ---------------------------------------------------------------- identifying


def test_the_id_card_reader_starts_a_session_and_the_check_is_audited() -> None:
    terminal = make_terminal()
    person, _ = holder_with_card()
    client = by_id_card(terminal, person)
    menu = client.get(reverse("kiosk:menu"))
    assert menu.status_code == 200 and "挂失" in text(menu)
    assert person.social_security_number not in text(menu)
    checked = AuditEvent.objects.get(action="person.identity_checked")
    assert checked.channel == Channel.KIOSK and checked.outlet_code == terminal.outlet.code


def test_a_reading_that_does_not_match_is_refused_and_three_failures_stop_the_checks() -> None:
    terminal = make_terminal()
    person, _ = holder_with_card()
    client = enrolled(terminal)
    wrong = {"reading": f"{person.social_security_number} 李四"}
    for _ in range(3):
        answer = client.post(reverse("kiosk:id_card"), wrong)
        assert answer.status_code == 400 and "不符" in text(answer)
    answer = client.post(reverse("kiosk:id_card"), {"reading": id_reading(person)})
    assert answer.status_code == 400 and "失败次数过多" in text(answer)
    assert client.get(reverse("kiosk:menu"))["Location"] == reverse("kiosk:start")


def test_an_unknown_or_malformed_reading_is_refused() -> None:
    terminal = make_terminal()
    client = enrolled(terminal)
    unknown = client.post(reverse("kiosk:id_card"), {"reading": "11010519491231002X 王五"})
    assert unknown.status_code == 400 and "没有此身份证号码的记录" in text(unknown)
    bad = client.post(reverse("kiosk:id_card"), {"reading": "12345 王五"})
    assert bad.status_code == 400 and "身份证号码有误" in text(bad)
    typed_bad = client.post(reverse("kiosk:id_card"), {"reading": "12345"})
    assert typed_bad.status_code == 400 and "身份证号码有误" in text(typed_bad)


def test_an_id_number_typed_on_the_pad_is_confirmed_by_the_mobile_numbers_last_digits() -> None:
    terminal = make_terminal(instant=True)
    person, card = holder_with_card()
    client = enrolled(terminal)
    step = client.post(reverse("kiosk:id_card"), {"reading": person.social_security_number})
    assert step.status_code == 200 and 'name="phone_last4"' in text(step)
    assert person.name not in text(step)
    typed = {"id_number": person.social_security_number, "phone_last4": person.phone[-4:]}
    answer = client.post(reverse("kiosk:id_card"), typed)
    assert answer.status_code == 302 and answer["Location"] == reverse("kiosk:menu")
    checked = AuditEvent.objects.get(action="person.identity_checked")
    assert checked.after == {"questions": ["phone_last4"], "passed": True}
    # No card is made without the ID card read.
    formal_report(card)
    refused = client.post(reverse("kiosk:reissue"))
    assert refused.status_code == 409 and "须读取身份证" in text(refused)


def test_a_wrong_answer_and_an_unknown_typed_number_read_alike() -> None:
    terminal = make_terminal()
    person, _ = holder_with_card()
    client = enrolled(terminal)
    wrong_digits = "0000" if person.phone[-4:] != "0000" else "1111"
    wrong = client.post(
        reverse("kiosk:id_card"),
        {"id_number": person.social_security_number, "phone_last4": wrong_digits},
    )
    unknown = client.post(
        reverse("kiosk:id_card"), {"id_number": "11010519491231002X", "phone_last4": "1234"}
    )
    assert wrong.status_code == unknown.status_code == 400
    assert "不符" in text(wrong) and "不符" in text(unknown)
    assert "没有此身份证号码的记录" not in text(unknown)
    assert client.get(reverse("kiosk:menu"))["Location"] == reverse("kiosk:start")


def test_the_card_and_its_pin_start_a_session() -> None:
    terminal = make_terminal()
    _, card = holder_with_card()
    client = by_card_and_pin(terminal, card)
    assert client.get(reverse("kiosk:menu")).status_code == 200


def test_a_wrong_pin_counts_toward_the_lock_as_at_a_counter() -> None:
    terminal = make_terminal()
    _, card = holder_with_card()
    client = enrolled(terminal)
    for left in (5, 4, 3, 2, 1):
        answer = client.post(
            reverse("kiosk:card_pin"), {"card_number": card.number, "pin": "902817"}
        )
        assert answer.status_code == 400 and f"还可尝试 {left} 次" in text(answer)
    answer = client.post(reverse("kiosk:card_pin"), {"card_number": card.number, "pin": "902817"})
    assert "密码已锁定" in text(answer)
    card.refresh_from_db()
    assert card.status == CardStatus.PIN_LOCKED and card.wrong_pins == 6
    locked = AuditEvent.objects.get(action="card.pin_locked")
    assert locked.channel == Channel.KIOSK
    # Even the right PIN does not open a locked card.
    answer = client.post(reverse("kiosk:card_pin"), {"card_number": card.number, "pin": PIN})
    assert answer.status_code == 400 and "密码已锁定" in text(answer)


def test_an_unknown_card_number_is_refused() -> None:
    terminal = make_terminal()
    holder_with_card()
    answer = enrolled(terminal).post(
        reverse("kiosk:card_pin"), {"card_number": "Z9999999X", "pin": PIN}
    )
    assert answer.status_code == 400 and "没有此卡号" in text(answer)


# ---------------------------------------------------------------- loss report


def test_a_temporary_loss_report_blocks_the_card_on_the_kiosk_channel_with_a_receipt() -> None:
    terminal = make_terminal()
    person, card = holder_with_card()
    client = by_id_card(terminal, person)
    page = client.get(reverse("kiosk:report"))
    assert f'action="/kiosk/report/{card.number}/"' in text(page)
    answer = client.post(reverse("kiosk:report_card", args=[card.number]))
    assert answer.status_code == 200
    report = LossReport.objects.get(card=card)
    assert report.kind == LossKind.TEMPORARY and report.channel == Channel.KIOSK
    assert report.reference in text(answer) and "data-print" in text(answer)
    card.refresh_from_db()
    assert card.status == CardStatus.TEMPORARILY_LOST
    assert answer["Cache-Control"].count("no-store") == 1


def test_a_guardian_reports_a_wards_card_and_nobody_elses() -> None:
    terminal = make_terminal()
    guardian, _ = holder_with_card()
    link = make_guardianship(guardian=guardian)
    ward_card = make_card(person=link.ward)
    stranger_card = make_card()
    client = by_id_card(terminal, guardian)
    assert ward_card.number in text(client.get(reverse("kiosk:report")))
    assert stranger_card.number not in text(client.get(reverse("kiosk:report")))
    assert client.post(reverse("kiosk:report_card", args=[ward_card.number])).status_code == 200
    ward_card.refresh_from_db()
    assert ward_card.status == CardStatus.TEMPORARILY_LOST
    with nothing_changes(stranger_card):
        answer = client.post(reverse("kiosk:report_card", args=[stranger_card.number]))
    assert answer.status_code == 404 and "没有此卡号" in text(answer)
    assert stranger_card.number not in text(answer)
    assert client.get("/kiosk/no-such-screen/")["Location"] == reverse("kiosk:start")


def test_a_card_that_cannot_be_reported_offers_no_button_and_a_post_is_refused() -> None:
    terminal = make_terminal()
    person, card = holder_with_card(status=CardStatus.CANCELLED)
    client = by_id_card(terminal, person)
    page = text(client.get(reverse("kiosk:report")))
    assert f"/kiosk/report/{card.number}/" not in page and "此卡现在不能挂失" in page
    with nothing_changes(card):
        answer = client.post(reverse("kiosk:report_card", args=[card.number]))
    assert answer.status_code == 409 and "此卡现在不能挂失" in text(answer)


def test_a_terminal_that_does_not_take_loss_reports_refuses_them() -> None:
    terminal = make_terminal()
    terminal.outlet.services = ["inquiry"]
    terminal.outlet.save()
    person, card = holder_with_card()
    client = by_id_card(terminal, person)
    with nothing_changes(card):
        answer = client.post(reverse("kiosk:report_card", args=[card.number]))
    assert answer.status_code == 409 and "本终端不提供此项服务" in text(answer)


# ---------------------------------------------------------------- status and progress


def test_the_status_shows_cards_and_each_application_as_a_timeline() -> None:
    terminal = make_terminal(instant=True)
    person, card = holder_with_card()
    formal_report(card)
    client = by_id_card(terminal, person)
    client.post(reverse("kiosk:reissue"))
    page = text(client.get(reverse("kiosk:status")))
    assert card.number in page and "已注销" in page
    assert 'class="timeline"' in page
    for step in ("已收到申请", "已开具回执", "银行已受理", "制卡中", "待领取", "已领取"):
        assert step in page
    assert 'aria-current="step"' in page


# ---------------------------------------------------------------- PIN change


def pin_change(client: Client, old: str, new: str, again: str | None = None) -> Any:
    data = {"old_pin": old, "new_pin": new, "again": again if again is not None else new}
    return client.post(reverse("kiosk:pin"), data)


def test_the_pin_is_changed_with_the_old_pin_then_the_new_one_twice() -> None:
    terminal = make_terminal()
    _, card = holder_with_card()
    client = by_card_and_pin(terminal, card)
    answer = pin_change(client, PIN, "730915")
    assert answer.status_code == 200 and "密码已修改" in text(answer)
    card.refresh_from_db()
    assert pin_matches(card.pin_hash, "730915") and not pin_matches(card.pin_hash, PIN)
    changed = AuditEvent.objects.get(action="card.pin_changed")
    assert changed.channel == Channel.KIOSK and "730915" not in str(changed.after)


def test_two_different_new_pins_or_a_weak_one_change_nothing() -> None:
    terminal = make_terminal()
    _, card = holder_with_card()
    client = by_card_and_pin(terminal, card)
    with nothing_changes(card):
        differ = pin_change(client, PIN, "730915", "730916")
        weak = pin_change(client, PIN, "123456")
        short = pin_change(client, PIN, "12")
    assert differ.status_code == weak.status_code == short.status_code == 400
    assert "两次输入的新密码不一致" in text(differ)
    assert "过于简单" in text(weak)
    assert "6 位数字" in text(short)


def test_a_wrong_old_pin_counts_toward_the_lock() -> None:
    terminal = make_terminal()
    _, card = holder_with_card()
    client = by_card_and_pin(terminal, card)
    answer = pin_change(client, "902817", "730915")
    assert answer.status_code == 400 and "还可尝试 5 次" in text(answer)
    card.refresh_from_db()
    assert card.wrong_pins == 1 and pin_matches(card.pin_hash, PIN)


def test_a_blocked_card_offers_no_pin_change() -> None:
    terminal = make_terminal()
    person, card = holder_with_card(status=CardStatus.PIN_LOCKED)
    client = by_id_card(terminal, person)
    page = client.get(reverse("kiosk:pin"))
    assert "密码已锁定" in text(page) and 'name="old_pin"' not in text(page)
    with nothing_changes(card):
        pin_change(client, PIN, "730915")


# ---------------------------------------------------------------- reissue


def test_an_equipped_terminal_makes_the_new_card_after_a_formal_report() -> None:
    terminal = make_terminal(instant=True)
    person, card = holder_with_card()
    formal_report(card)
    client = by_id_card(terminal, person)
    assert "立即制作新卡" in text(client.get(reverse("kiosk:reissue")))
    answer = client.post(reverse("kiosk:reissue"))
    assert answer.status_code == 200, text(answer)
    app = CardApplication.objects.get(person=person)
    assert app.type == "reissue" and app.production == "instant"
    assert app.status == ApplicationStatus.READY_FOR_COLLECTION
    assert app.channel == Channel.KIOSK and app.outlet == terminal.outlet
    assert app.new_card is not None and app.new_card.number in text(answer)
    assert app.receipt_number and app.receipt_number in text(answer)
    card.refresh_from_db()
    assert card.status == CardStatus.CANCELLED


def test_no_reissue_without_a_formal_report() -> None:
    terminal = make_terminal(instant=True)
    person, card = holder_with_card()
    client = by_id_card(terminal, person)
    with nothing_changes(card):
        answer = client.post(reverse("kiosk:reissue"))
    assert answer.status_code == 409 and "书面挂失" in text(answer)
    assert not CardApplication.objects.exists()


def test_no_card_is_made_for_a_holder_identified_by_card_and_pin_only() -> None:
    terminal = make_terminal(instant=True)
    _, card = holder_with_card()
    client = by_card_and_pin(terminal, card)
    formal_report(card)  # at a window, while the session runs
    answer = client.post(reverse("kiosk:reissue"))
    assert answer.status_code == 409 and "须读取身份证" in text(answer)
    assert not CardApplication.objects.exists()


def test_a_terminal_not_equipped_lists_where_to_go_nearest_first() -> None:
    terminal = make_terminal()
    near = make_outlet(name="近处的社保中心", lat=terminal.outlet.lat, lon=terminal.outlet.lon)
    far = make_outlet(name="远处的社保中心", lat=terminal.outlet.lat + 0.5, lon=terminal.outlet.lon)
    person, _ = holder_with_card()
    client = by_id_card(terminal, person)
    page = text(client.get(reverse("kiosk:reissue")))
    assert "本终端不能制卡" in page and "立即制作新卡" not in page and "公里" in page
    assert page.index(near.name) < page.index(far.name)
    with nothing_changes():
        client.post(reverse("kiosk:reissue"))


# ---------------------------------------------------------------- records and statements


def test_records_of_a_year_and_the_yearly_statement_to_print() -> None:
    terminal = make_terminal()
    person, _ = holder_with_card()
    a_year_of_records(person)
    client = by_id_card(terminal, person)
    page = text(client.get(reverse("kiosk:records") + f"?year={YEAR}"))
    assert "养老保险" in page and f"{YEAR}-03" in page and "欠缴" in page
    link = reverse("kiosk:statement", args=[YEAR])
    assert f'href="{link}"' in page
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline")
    assert "no-store" in pdf["Cache-Control"]
    assert client.get(reverse("kiosk:statement", args=[1900])).status_code == 404


# ---------------------------------------------------------------- the end of a session


def test_ending_flushes_the_session_and_personal_pages_are_not_kept() -> None:
    terminal = make_terminal()
    person, _ = holder_with_card()
    client = by_id_card(terminal, person)
    menu = client.get(reverse("kiosk:menu"))
    assert "no-store" in menu["Cache-Control"]
    assert 'data-idle="60"' in text(menu) and 'data-end="/kiosk/end/"' in text(menu)
    ended = client.get(reverse("kiosk:end"))
    assert ended.status_code == 302 and ended["Location"] == reverse("kiosk:start")
    assert session.PERSON_KEY not in client.session
    assert client.get(reverse("kiosk:menu"))["Location"] == reverse("kiosk:start")


def test_the_screens_where_a_number_is_typed_also_go_back_to_the_start_when_left() -> None:
    terminal = make_terminal()
    client = enrolled(terminal)
    for name in ("id_card", "card_pin"):
        page = text(client.get(reverse(f"kiosk:{name}")))
        assert 'data-idle="60"' in page and 'data-end="/kiosk/end/"' in page
        assert 'id="idle-warning"' in page


def test_a_session_left_idle_past_the_warning_ends_on_the_next_request() -> None:
    terminal = make_terminal()
    person, _ = holder_with_card()
    client = by_id_card(terminal, person)
    stored = client.session
    stored[session.SEEN_KEY] = time.time() - 76
    stored.save()
    assert client.get(reverse("kiosk:menu"))["Location"] == reverse("kiosk:start")
    assert session.PERSON_KEY not in client.session


def test_every_screen_shows_12333_in_both_languages() -> None:
    terminal = make_terminal()
    person, _ = holder_with_card()
    client = by_id_card(terminal, person)
    for name in ("start", "id_card", "card_pin", "menu", "report", "status", "pin", "records"):
        for language in ("zh-hans", "en"):
            client.cookies["sscard_language"] = language
            answer = client.get(reverse(f"kiosk:{name}"), follow=True)
            assert "12333" in text(answer), (name, language)
    client.cookies["sscard_language"] = "en"
    assert "Report a lost card" in text(client.get(reverse("kiosk:menu")))


# ---------------------------------------------------------------- words


@pytest.mark.parametrize("code", sorted(KIOSK_CODES))
def test_every_refusal_at_a_terminal_has_words_in_both_languages(code: ErrorCode) -> None:
    assert code in MESSAGES
    with translation.override("en"):
        english = message_for(code)
    with translation.override("zh-hans"):
        chinese = message_for(code)
    assert english.strip() and not any("\u4e00" <= c <= "\u9fff" for c in english)
    assert chinese != english and any("\u4e00" <= c <= "\u9fff" for c in chinese)


def test_every_label_has_chinese_words() -> None:
    with translation.override("zh-hans"):
        for table in TABLES.values():
            for code, words in table.items():
                assert any("\u4e00" <= c <= "\u9fff" for c in str(words)), code


def test_the_demo_terminal_is_enrolled_at_an_instant_issuance_outlet() -> None:
    from sscard.demo.reference import load_reference_data
    from sscard.demo.terminal import DEMO_TERMINAL, ensure_demo_terminal

    load_reference_data()
    made = ensure_demo_terminal()
    assert ensure_demo_terminal().pk == made.pk
    assert made.outlet is not None and made.outlet.offers("instant_issuance")
    client = Client()
    assert (
        client.post(enrol_command("--client", DEMO_TERMINAL, "--base-url", "")).status_code == 302
    )
    assert "使用身份证开始" in text(client.get("/kiosk/"))


# ---------------------------------------------------------------- the read model at a terminal


def test_a_terminal_takes_only_a_reissue_made_on_the_spot_where_it_is_equipped() -> None:
    from sscard.applications.permissions import APPLY_FOR_CARD, applying_actions, check_applying
    from sscard.common.errors import DomainError

    equipped = make_terminal(instant=True).outlet
    plain = make_terminal(code="SS2").outlet
    person, card = holder_with_card()
    formal_report(card)
    at = {
        o.code: Actor.citizen(person.pk, Channel.KIOSK, outlet_code=o.code)
        for o in (equipped, plain)
    }

    def refusal(outlet: Any, **asked: Any) -> str | None:
        try:
            check_applying(at[outlet.code], person, APPLY_FOR_CARD, outlet=outlet, **asked)
        except DomainError as refused:
            return refused.code
        return None

    assert refusal(equipped, type="reissue", production="instant") is None
    assert applying_actions(person, at[equipped.code]).may(APPLY_FOR_CARD)
    assert refusal(equipped, type="reissue", production="batch") == ErrorCode.SERVICE_NOT_OFFERED
    assert refusal(equipped, type="new", production="instant") == ErrorCode.SERVICE_NOT_OFFERED
    assert refusal(plain, type="reissue", production="instant") == ErrorCode.SERVICE_NOT_OFFERED
    assert not applying_actions(person, at[plain.code]).may(APPLY_FOR_CARD)
    agency = make_outlet(services=["reissue", "instant_issuance"])
    kiosk_elsewhere = Actor.citizen(person.pk, Channel.KIOSK, outlet_code=agency.code)
    try:
        check_applying(kiosk_elsewhere, person, APPLY_FOR_CARD, outlet=agency)
    except DomainError as refused:
        assert refused.code == ErrorCode.CHANNEL_NOT_ALLOWED
    else:
        raise AssertionError("the kiosk channel applied away from a terminal")
    web = Actor.citizen(person.pk, Channel.WEB)
    try:
        check_applying(web, person, APPLY_FOR_CARD, outlet=equipped)
    except DomainError as refused:
        assert refused.code == ErrorCode.CHANNEL_NOT_ALLOWED
    else:
        raise AssertionError("the web took an application")


def test_a_pin_change_through_the_service_checks_the_old_pin_like_a_point_of_use() -> None:
    from sscard.cards.services import change_pin
    from sscard.common.errors import DomainError

    terminal = make_terminal()
    person, card = holder_with_card()
    actor = Actor.citizen(person.pk, Channel.KIOSK, outlet_code=terminal.outlet.code)
    with nothing_changes(card), pytest.raises(DomainError) as weak:
        change_pin(actor=actor, card=card, old_pin="902817", new_pin="111111")
    assert weak.value.code == ErrorCode.WEAK_PIN  # refused before the old PIN is checked or counted
    with pytest.raises(DomainError) as wrong:
        change_pin(actor=actor, card=card, old_pin="902817", new_pin="730915")
    assert wrong.value.code == ErrorCode.WRONG_PIN and wrong.value.extra["attempts_left"] == 5
    card.refresh_from_db()
    change_pin(actor=actor, card=card, old_pin=PIN, new_pin="730915")
    card.refresh_from_db()
    assert card.wrong_pins == 0 and pin_matches(card.pin_hash, "730915")
