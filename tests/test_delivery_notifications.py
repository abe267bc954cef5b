"""Notifications to holders and guardians: SMS through an HTTP gateway and e-mail through SMTP,
in the recipient's language, each channel sent once however often the delivery is retried.

The gateway is an HTTP server on localhost and the mail server is aiosmtpd on localhost.
"""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from sscard.cards.services import report_loss
from sscard.common import clock
from sscard.notifications.channels import ChannelError, Rendered, render, send_sms
from sscard.notifications.models import (
    DeliveryAttempt,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)
from sscard.notifications.services import NOTIFICATION_TOPICS
from sscard.people.models import Person
from tests.factories import make_card, make_guardianship, make_person
from tests.receivers import (
    HttpReceiver,
    Mailbox,
    free_port,
    http_receiver,
    plain_body,
    smtp_server,
)

transactional = pytest.mark.django_db(transaction=True)

MOMENT = dt.datetime(2026, 11, 21, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
TOKEN = "sms-gateway-token-7f3a"
FROM = "sscard <no-reply@sscard.localhost>"
FOOTER = {
    "zh-hans": "本消息由社会保障卡服务系统自动发送，请勿回复。如有疑问，请致电12333。",
    "en": (
        "This message was sent automatically by the social security card service. "
        "Please do not reply to it. Questions: call 12333."
    ),
}
LOCALE = Path(__file__).resolve().parent.parent / "sscard/notifications/locale/zh_Hans/LC_MESSAGES"


@pytest.fixture(autouse=True)
def quick_retries(settings: Any) -> None:
    settings.WEBHOOK_BACKOFF_SECONDS = 0
    settings.WEBHOOK_MAX_ATTEMPTS = 8


@pytest.fixture
def gateway(settings: Any) -> Iterator[HttpReceiver]:
    with http_receiver() as receiver:
        settings.SMS_BACKEND, settings.SMS_URL, settings.SMS_TOKEN = "http", receiver.url, TOKEN
        yield receiver


def use_smtp(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = FROM


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    with smtp_server() as (box, port):
        use_smtp(settings, port)
        yield box


def work() -> None:
    call_command("worker", "--once", "--no-sweep")


def log(message: OutboxMessage) -> list[tuple[Any, ...]]:
    return list(
        DeliveryAttempt.objects.filter(message=message)
        .order_by("number", "channel")
        .values_list("number", "channel", "outcome", "http_status", "error")
    )


def note_to(person: Person) -> OutboxMessage:
    return OutboxMessage.objects.get(kind=OutboxKind.NOTIFICATION, recipient=person)


def lose_card_at_moment(hotline: Any, holder: Person, reporter: Person | None = None) -> Any:
    card = make_card(person=holder)
    with clock.frozen_at(MOMENT):
        outcome = report_loss(
            actor=hotline,
            card=card,
            kind="temporary",
            reporter=reporter or holder,
            relation="guardian" if reporter else "self",
        )
        assert outcome.report.expires_at == MOMENT + dt.timedelta(days=7)
        work()
    return outcome


BLOCKED_ZH = (
    "您的社保卡（卡号 {card}）已临时挂失，有效至 11月28日 14:30（挂失编号 {reference}）。"
    "如找回卡片，可办理解挂；如未找回，请到服务窗口或银行网点办理正式（书面）挂失。"
)
BLOCKED_EN = (
    "Your social security card {card} is blocked until 28 Nov 14:30 (temporary loss report "
    "{reference}). If you find the card, you can lift the report. If not, make a formal "
    "(written) loss report at a service window or bank outlet."
)


# ---------------------------------------------------------------- both channels, both languages


@transactional
@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("zh-hans", "您的社保卡已挂失", BLOCKED_ZH),
        ("en", "Your social security card is blocked", BLOCKED_EN),
    ],
    ids=["zh-hans", "en"],
)
def test_a_holder_is_told_by_sms_and_e_mail_in_their_language(
    hotline, gateway, mailbox, language, subject, words
):
    holder = make_person(age=30, phone="13912345678", email="chen.yi@example.cn", language=language)

    outcome = lose_card_at_moment(hotline, holder)

    text = words.format(card=outcome.card.number, reference=outcome.report.reference)
    assert [r.json for r in gateway.received] == [{"to": "13912345678", "text": text}]
    assert gateway.received[0].headers["Authorization"] == f"Bearer {TOKEN}"
    (mail,) = mailbox.messages
    assert mail["Subject"] == subject
    assert mail["To"] == "chen.yi@example.cn"
    assert mail["From"] == FROM
    assert plain_body(mail) == f"{text}\n\n--\n{FOOTER[language]}\n"
    assert mailbox.envelopes == [("no-reply@sscard.localhost", ["chen.yi@example.cn"])]
    note = note_to(holder)
    assert note.status == OutboxStatus.DELIVERED
    assert note.sms_sent_at == note.email_sent_at == note.delivered_at == MOMENT
    assert log(note) == [(1, "email", "ok", None, ""), (1, "sms", "ok", 200, "")]
    for sent in (text, plain_body(mail)):
        assert holder.social_security_number not in sent
        assert holder.name not in sent


@transactional
def test_each_guardian_is_told_in_their_own_language_by_what_they_have(hotline, gateway, mailbox):
    mother = make_guardianship(
        ward__age=8,
        guardian__phone="13800001111",
        guardian__email="",
        guardian__language="zh-hans",
    )
    father = make_guardianship(
        ward=mother.ward,
        guardian__phone="",
        guardian__email="father@example.cn",
        guardian__language="en",
    )

    outcome = lose_card_at_moment(hotline, mother.ward, reporter=mother.guardian)

    values = {"card": outcome.card.number, "reference": outcome.report.reference}
    assert [r.json for r in gateway.received] == [
        {"to": "13800001111", "text": BLOCKED_ZH.format(**values)}
    ]
    assert [(m["To"], m["Subject"]) for m in mailbox.messages] == [
        ("father@example.cn", "Your social security card is blocked")
    ]
    assert plain_body(mailbox.messages[0]).startswith(BLOCKED_EN.format(**values))
    assert not OutboxMessage.objects.filter(recipient=mother.ward).exists()
    assert log(note_to(mother.guardian)) == [(1, "sms", "ok", 200, "")]
    assert log(note_to(father.guardian)) == [(1, "email", "ok", None, "")]


# ---------------------------------------------------------------- retries never double a channel


@transactional
def test_a_retry_sends_only_the_channel_that_failed(hotline, gateway, settings):
    holder = make_person(age=30, phone="13912345678", email="chen.yi@example.cn")
    with smtp_server(refuse=1) as (mailbox, port):
        use_smtp(settings, port)
        lose_card_at_moment(hotline, holder)

    note = note_to(holder)
    assert len(gateway.received) == 1
    assert len(mailbox.messages) == 1
    assert note.status == OutboxStatus.DELIVERED
    assert note.attempts == 2
    assert log(note) == [
        (1, "email", "failed", None, "SMTP 451 (SMTPDataError)"),
        (1, "sms", "ok", 200, ""),
        (2, "email", "ok", None, ""),
    ]


@transactional
def test_a_failing_sms_gateway_is_retried_and_logged_without_the_number(hotline, mailbox, settings):
    holder = make_person(age=30, phone="13912345678", email="chen.yi@example.cn")
    with http_receiver(answers=[500, 503]) as gateway:
        settings.SMS_BACKEND, settings.SMS_URL = "http", gateway.url
        lose_card_at_moment(hotline, holder)

    note = note_to(holder)
    assert [r.answered for r in gateway.received] == [500, 503, 200]
    assert len(mailbox.messages) == 1
    assert note.status == OutboxStatus.DELIVERED
    assert log(note) == [
        (1, "email", "ok", None, ""),
        (1, "sms", "failed", 500, "HTTP 500"),
        (2, "sms", "failed", 503, "HTTP 503"),
        (3, "sms", "ok", 200, ""),
    ]
    errors = " ".join(DeliveryAttempt.objects.values_list("error", flat=True))
    assert "13912345678" not in errors and "5678" not in errors


@transactional
def test_after_the_last_try_a_notification_is_a_dead_letter(hotline, settings, mailbox):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    settings.SMS_BACKEND, settings.SMS_URL = "http", f"http://127.0.0.1:{free_port()}/sms"
    holder = make_person(age=30, phone="13912345678", email="")

    lose_card_at_moment(hotline, holder)

    note = note_to(holder)
    assert (note.status, note.attempts, note.sms_sent_at) == (OutboxStatus.DEAD, 2, None)
    assert note.last_error == "sms: ConnectError"


@transactional
def test_someone_without_phone_or_e_mail_is_recorded_as_not_told(hotline, gateway, mailbox):
    holder = make_person(age=30, phone="", email="")

    lose_card_at_moment(hotline, holder)

    note = note_to(holder)
    assert note.status == OutboxStatus.SKIPPED
    assert note.last_error == "the recipient has no phone number and no e-mail address"
    assert gateway.received == [] and mailbox.messages == []


@transactional
def test_delivery_logs_mask_phone_numbers_and_e_mail_addresses(hotline, gateway, mailbox, caplog):
    holder = make_person(age=30, phone="13912345678", email="chen.yi@example.cn")

    with caplog.at_level(logging.INFO):
        lose_card_at_moment(hotline, holder)

    # Ours and our libraries'; "mail.log" is the stand-in mail server's own.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    assert "SMS to 139****5678 taken by the gateway (HTTP 200)" in ours
    assert "e-mail to c***@example.cn sent" in ours
    for value in [holder.phone, holder.email, holder.social_security_number, holder.name]:
        assert value not in ours


# ---------------------------------------------------------------- sign-in codes: no outbox


@pytest.mark.django_db
def test_a_sign_in_code_goes_straight_to_the_gateway_and_is_never_stored(gateway):
    message = render("sign_in_code", {"code": "042137"}, "zh-hans")

    send_sms(phone="13912345678", text=message.text)

    assert message == Rendered(
        subject="登录验证码",
        text="您的登录验证码是 042137，5 分钟内有效。请勿告诉任何人，包括我们的工作人员。",
    )
    assert [r.json for r in gateway.received] == [{"to": "13912345678", "text": message.text}]
    assert OutboxMessage.objects.count() == 0
    assert DeliveryAttempt.objects.count() == 0


def test_a_sign_in_code_in_english_counts_its_minutes():
    assert render("sign_in_code", {"code": "042137", "minutes": 1}, "en") == Rendered(
        subject="Your sign-in code",
        text=(
            "Your sign-in code is 042137. It is valid for 1 minute. Do not tell it to anyone, "
            "not even to our staff."
        ),
    )
    assert render("sign_in_code", {"code": "042137"}, "en").text.startswith(
        "Your sign-in code is 042137. It is valid for 5 minutes."
    )


def test_the_console_sms_backend_shows_the_text_with_the_number_masked(settings, capsys):
    settings.SMS_BACKEND = "console"

    send_sms(phone="13912345678", text="您的登录验证码是 042137")

    assert capsys.readouterr().out == "SMS to 139****5678:\n您的登录验证码是 042137\n\n"


def test_a_gateway_that_refuses_raises_a_channel_error_without_the_number(settings):
    with http_receiver(then=429) as gateway:
        settings.SMS_BACKEND, settings.SMS_URL = "http", gateway.url
        with pytest.raises(ChannelError) as refused:
            send_sms(phone="13912345678", text="code 042137")
    assert (refused.value.error, refused.value.http_status) == ("HTTP 429", 429)


# ---------------------------------------------------------------- the words of every message

SAMPLES: dict[str, dict[str, Any]] = {
    "loss_report_effective": {
        "card_number": "A1234567X",
        "reference": "GS2611210001",
        "kind": "formal",
        "expires_at": None,
    },
    "temporary_report_lapsing": {
        "card_number": "A1234567X",
        "reference": "GS2611210001",
        "expires_at": "2026-11-28T06:30:00+00:00",
    },
    "temporary_report_lapsed": {
        "card_number": "A1234567X",
        "card_status": "cancelled",
        "reference": "GS2611210001",
    },
    "loss_report_lifted": {"card_number": "A1234567X", "reference": "GS2611210001"},
    "receipt_issued": {
        "number": "CA261121000001",
        "receipt_number": "BK2611210000017",
        "bank": "中国工商银行",
    },
    "bank_accepted": {"number": "CA261121000001", "expected_ready_on": "2026-12-14"},
    "production_failed": {"number": "CA261121000001"},
    "ready_for_collection": {
        "number": "CA261121000001",
        "outlet_code": "BK0001",
        "outlet_name": "工商银行天河支行",
        "address": "广州市天河区天河路1号",
        "collect_by": "2027-11-21",
    },
    "mailed": {
        "number": "CA261121000001",
        "tracking_number": "SF1234567890",
        "collect_by": "2027-11-21",
    },
    "collected": {"number": "CA261121000001"},
    "activated": {"card_number": "A1234567X"},
    "pin_locked": {"card_number": "A1234567X"},
    "dispute_answered": {
        "reference": "RDABCDEFGHJK",
        "insurance": "pension",
        "month": "2026-03",
        "status": "corrected",
    },
    "statement_ready": {"year": 2025},
    "card_expiring": {"card_number": "A1234567X", "expires_on": "2027-02-28", "days_before": 90},
    "sign_in_code": {"code": "042137"},
    "confirmation_code": {"code": "042137"},
}


def test_every_topic_has_words_in_both_languages():
    assert set(SAMPLES) == NOTIFICATION_TOPICS | {"sign_in_code", "confirmation_code"}
    with clock.frozen_at(MOMENT):
        for topic, params in SAMPLES.items():
            zh, en = render(topic, params, "zh-hans"), render(topic, params, "en")
            for rendered in (zh, en):
                assert rendered.subject and rendered.text
                assert "%(" not in rendered.text and "{" not in rendered.text
            assert re.search(r"[\u4e00-\u9fff]", zh.subject + zh.text), topic
            assert not re.search(r"[\u4e00-\u9fff]", en.subject), topic
            assert zh.text != en.text


@pytest.mark.parametrize(
    ("topic", "language", "expected"),
    [
        (
            "temporary_report_lapsed",
            "zh-hans",
            Rendered(
                "您的社保卡已注销",
                "您的社保卡（卡号 A1234567X）的临时挂失（挂失编号 GS2611210001）已到期，"
                "按本地规定，该卡现已注销。请到服务窗口或银行网点申请补卡。",
            ),
        ),
        (
            "temporary_report_lapsing",
            "en",
            Rendered(
                "Your temporary loss report ends soon",
                "The temporary loss report GS2611210001 on your social security card A1234567X "
                "ends on 28 Nov 14:30. If the card is still lost, make a formal (written) loss "
                "report at a service window or bank outlet before then.",
            ),
        ),
        (
            "ready_for_collection",
            "zh-hans",
            Rendered(
                "您的新社保卡可以领取了",
                "您的新社保卡（申请编号 CA261121000001）已制作完成。请于 2027年11月21日 前携带"
                "身份证到工商银行天河支行（广州市天河区天河路1号）领取，逾期未领取的卡将被封存。",
            ),
        ),
        (
            "ready_for_collection",
            "en",
            Rendered(
                "Your new card is ready to collect",
                "Your new social security card (application CA261121000001) is ready. Collect "
                "it with your ID card at 工商银行天河支行, 广州市天河区天河路1号, by 21 Nov 2027. "
                "A card not collected by then is sealed off.",
            ),
        ),
        (
            "mailed",
            "en",
            Rendered(
                "Your new card is in the post",
                "Your new social security card (application CA261121000001) has been sent by "
                "post. Tracking number: SF1234567890. When it arrives, bring it with your ID "
                "card to a service window or bank outlet by 21 Nov 2027, where it is recorded "
                "as received and activated. A card not brought in by then is sealed off.",
            ),
        ),
        (
            "mailed",
            "zh-hans",
            Rendered(
                "您的新社保卡已寄出",
                "您的新社保卡（申请编号 CA261121000001）已邮寄，快递单号 SF1234567890。收到后请"
                "于 2027年11月21日 前携带该卡和身份证到服务窗口或银行网点办理签收并启用，逾期未"
                "办理的卡将被封存。",
            ),
        ),
        (
            "bank_accepted",
            "zh-hans",
            Rendered(
                "银行正在为您制卡",
                "银行已受理您的社保卡申请（申请编号 CA261121000001），新卡预计于 12月14日 前后"
                "制成，届时我们会通知您领卡的时间和地点。",
            ),
        ),
        (
            "pin_locked",
            "en",
            Rendered(
                "Your card's PIN is locked",
                "The PIN of your social security card A1234567X is locked after too many wrong "
                "tries. To unlock it, reset the PIN at a service window or bank outlet; bring "
                "your ID card.",
            ),
        ),
    ],
)
def test_the_words_a_holder_reads(topic, language, expected):
    with clock.frozen_at(MOMENT):
        assert render(topic, SAMPLES[topic], language) == expected


def test_a_mailed_message_queued_before_its_bring_in_day_was_kept_still_reads_well():
    params = {"number": "CA261121000001", "tracking_number": "SF1234567890"}
    with clock.frozen_at(MOMENT):
        assert render("mailed", params, "en").text == (
            "Your new social security card (application CA261121000001) has been sent by post. "
            "Tracking number: SF1234567890. When it arrives, activate it at a service window or "
            "bank outlet with your ID card."
        )


def _po_entries(path: Path) -> list[dict[str, str]]:
    """msgctxt, msgid and the first msgstr of each entry of a .po file."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current:
                entries.append(current)
            current, key = {}, ""
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            current[key] += ast.literal_eval(line)
            continue
        word, _, rest = line.partition(" ")
        key = {"msgstr[0]": "msgstr"}.get(word, word)
        if key.startswith("msgstr["):
            key = "ignored"
        current[key] = current.get(key, "") + ast.literal_eval(rest)
    return [e for e in entries if e.get("msgid")]


def test_the_chinese_catalogue_is_complete_and_compiled():
    entries = _po_entries(LOCALE / "django.po")
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)

    assert len(entries) == 43
    for entry in entries:
        assert entry["msgstr"], entry["msgid"]
        if "msgctxt" in entry:
            found = catalogue.pgettext(entry["msgctxt"], entry["msgid"])
        elif "msgid_plural" in entry:
            found = catalogue.ngettext(entry["msgid"], entry["msgid_plural"], 1)
        else:
            found = catalogue.gettext(entry["msgid"])
        assert found == entry["msgstr"], "django.mo is older than django.po: compilemessages"


def test_a_lease_shorter_than_a_try_is_flagged_by_the_system_checks(settings):
    from sscard.notifications.checks import check_lease

    settings.OUTBOX_LEASE_SECONDS = 15
    settings.WEBHOOK_TIMEOUT_SECONDS = 10
    settings.SMS_TIMEOUT_SECONDS, settings.EMAIL_TIMEOUT = 10, 10
    assert [(w.id, w.msg) for w in check_lease()] == [
        (
            "sscard.notifications.W001",
            "SSCARD_OUTBOX_LEASE_SECONDS (15) is not longer than the slowest delivery try "
            "(20 s): a message may be sent twice at once.",
        )
    ]
    settings.OUTBOX_LEASE_SECONDS = 120
    assert check_lease() == []
