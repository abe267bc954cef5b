"""Structured logs as an operator reads them: JSON lines with the request id, actor and channel.

The project's own logging configuration (sscard.common.logs) writes into a buffer or, for the
worker and gunicorn, the real processes write their output; every line must parse as JSON with
the request id, level, logger and message. A request's `X-Request-ID` comes back in the answer
and reaches the worker's line about the webhook that request caused. ID numbers and phones
are masked. An unsafe `X-Request-ID` is replaced by one of ours.
"""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.test import Client

from sscard.audit.models import AuditEvent
from sscard.audit.services import verify_chain
from sscard.common.context import Role
from sscard.common.logs import log_format, logging_config, production_from
from sscard.common.requestlog import new_request_id, sane_request_id
from sscard.notifications.models import OutboxKind, OutboxMessage
from sscard.portal.session import PERSON_KEY
from tests.console_support import add_staff
from tests.factories import BankFactory, citizen_id, make_card, make_person
from tests.log_support import assert_nothing_personal
from tests.portal_support import citizen
from tests.process_support import gunicorn
from tests.receivers import http_receiver
from tests.test_worker import SECRET, Workers

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OURS = re.compile(r"[0-9a-f]{32}")


def _stream_handlers() -> list[logging.StreamHandler[Any]]:
    loggers = [logging.getLogger(), logging.getLogger("django.server")]
    return [
        h
        for logger in loggers
        for h in logger.handlers
        if isinstance(h, logging.StreamHandler) and h.name in ("console", "django.server")
    ]


@contextmanager
def json_logs(**options: Any) -> Iterator[io.StringIO]:
    """The project's configuration in JSON, its handlers writing into a buffer; the settings'
    configuration (and its streams) back afterwards."""
    streams = {h.name: h.stream for h in _stream_handlers()}
    buffer = io.StringIO()
    logging.config.dictConfig(logging_config(log_format="json", level="INFO", **options))
    for handler in _stream_handlers():
        handler.setStream(buffer)
    try:
        yield buffer
    finally:
        logging.config.dictConfig(django_settings.LOGGING)
        for handler in _stream_handlers():
            if handler.name in streams:
                handler.setStream(streams[handler.name])


def parsed(text: str) -> list[dict[str, Any]]:
    """Every line as JSON, each with the fields every line has."""
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id", "actor", "channel"} <= set(
            line
        ), line
    return lines


def access_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == "sscard.access"]


# ---------------------------------------------------------------- in this process


@pytest.mark.django_db
def test_each_line_of_a_request_is_json_with_its_request_id(make_token):
    token = make_token("persons:read", name="hospital-7")
    number = citizen_id()

    with json_logs() as buffer:
        answer = Client().get(
            f"/api/v1/persons/{number}?phone=13812345678",
            headers={"X-Request-ID": "trace-42.a_b:c", "Authorization": f"Bearer {token}"},
        )
        logging.getLogger("sscard.test").info("outside any request, %s", number)
    lines = parsed(buffer.getvalue())

    assert answer.status_code == 404
    assert answer["X-Request-ID"] == "trace-42.a_b:c"
    of_request = [line for line in lines if line["request_id"] == "trace-42.a_b:c"]
    assert [line["logger"] for line in of_request] == ["django.request", "sscard.access"]
    assert of_request[0]["level"] == "WARNING"
    assert of_request[0]["message"].startswith("Not Found: /api/v1/persons/")
    assert of_request[1] == {
        **of_request[1],
        "level": "INFO",
        "method": "GET",
        "route": "/api/v1/persons/<ssn>",
        "status": 404,
        "outcome": "refused",
        "error_code": "person_not_found",
        "actor": "hospital-7",
    }
    assert isinstance(of_request[1]["duration_ms"], int | float)
    assert lines[-1]["request_id"] is None
    assert lines[-1]["message"] == f"outside any request, {number[:6]}********{number[-4:]}"
    assert_nothing_personal(buffer.getvalue())


@pytest.mark.django_db
def test_personal_data_in_a_message_and_a_traceback_is_masked():
    number, phone = citizen_id(), "13912345678"
    with json_logs() as buffer:
        try:
            raise ValueError(f"cannot read {number} or {phone}")
        except ValueError:
            logging.getLogger("sscard.test").exception("failed for %s, +86 %s", number, phone)
    (line,) = parsed(buffer.getvalue())

    assert line["level"] == "ERROR"
    assert line["message"] == f"failed for {number[:6]}********{number[-4:]}, +86 139****5678"
    assert "ValueError: cannot read" in line["exc_info"]
    assert_nothing_personal(buffer.getvalue())


@pytest.mark.parametrize(
    "given",
    [
        "a" * 65,  # too long
        "abc\x01def",  # a control character
        "abc def",
        "<script>",
        "",
        "11010519900307002X",  # an ID number is personal data, not an id
        "13812345678",
    ],
)
@pytest.mark.django_db
def test_an_unsafe_request_id_is_replaced(given):
    assert sane_request_id(given) is None
    with json_logs() as buffer:
        answer = Client().get("/healthz", headers={"X-Request-ID": given})
    (line,) = access_lines(parsed(buffer.getvalue()))

    assert OURS.fullmatch(answer["X-Request-ID"])
    assert line["request_id"] == answer["X-Request-ID"]
    assert line["route"] == "/healthz"


@pytest.mark.django_db
def test_without_a_request_id_one_is_made_for_each_request():
    client = Client()
    first, second = client.get("/healthz"), client.get("/healthz")
    assert OURS.fullmatch(first["X-Request-ID"])
    assert OURS.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    # Ours pass the rule callers' ids are held to, so a caller may send one back as it is.
    assert all(sane_request_id(new_request_id()) for _ in range(5000))


@pytest.mark.django_db
def test_a_page_without_a_route_is_logged_by_its_masked_path():
    number = citizen_id()
    with json_logs() as buffer:
        Client().get(f"/nowhere/{number}/")
    (line,) = access_lines(parsed(buffer.getvalue()))

    assert line["route"] == f"/nowhere/{number[:6]}********{number[-4:]}/"
    assert (line["status"], line["outcome"], line["actor"]) == (404, "refused", None)


@pytest.mark.django_db
def test_the_access_line_can_be_turned_off(settings):
    settings.ACCESS_LOG = False
    with json_logs() as buffer:
        answer = Client().get("/healthz", headers={"X-Request-ID": "kept-anyway"})

    assert answer["X-Request-ID"] == "kept-anyway"
    assert access_lines(parsed(buffer.getvalue())) == []


def test_json_in_production_plain_elsewhere_unless_chosen():
    assert log_format({}, production=True) == "json"
    assert log_format({}, production=False) == "plain"
    assert log_format({"SSCARD_LOG_FORMAT": "plain"}, production=True) == "plain"
    assert log_format({"SSCARD_LOG_FORMAT": "JSON"}, production=False) == "json"
    with pytest.raises(ValueError, match="SSCARD_LOG_FORMAT"):
        log_format({"SSCARD_LOG_FORMAT": "xml"}, production=False)
    assert production_from({"ALLOWED_HOSTS": "sscard.example.gov.cn"}) is True
    assert production_from({}) is False
    assert production_from({"ALLOWED_HOSTS": "sscard.example.gov.cn", "SSCARD_DEBUG": "1"}) is False


@pytest.mark.django_db
def test_the_plain_lines_carry_the_request_id_too():
    buffer = io.StringIO()
    streams = {h.name: h.stream for h in _stream_handlers()}
    logging.config.dictConfig(logging_config(log_format="plain", level="INFO"))
    try:
        for handler in _stream_handlers():
            handler.setStream(buffer)
        Client().get("/healthz", headers={"X-Request-ID": "plain-1"})
    finally:
        logging.config.dictConfig(django_settings.LOGGING)
        for handler in _stream_handlers():
            handler.setStream(streams[handler.name])
    (line,) = buffer.getvalue().splitlines()

    assert re.fullmatch(
        r"\S+ \S+ INFO sscard\.access GET /healthz 200 [\d.]+ms \[plain-1\]", line
    ), line


@pytest.mark.django_db
def test_the_actor_of_a_portal_and_a_console_page_is_named_without_personal_data(agency):
    holder, card = citizen()
    clerk = add_staff(Role.WINDOW_CLERK, agency, "clerk-wang")
    portal, console = Client(), Client()
    session = portal.session
    session[PERSON_KEY] = holder.pk
    session.save()
    console.force_login(clerk)

    with json_logs() as buffer:
        assert portal.get(f"/cards/{card.number}/").status_code == 200
        assert console.get("/console/").status_code == 200
    page, desk = access_lines(parsed(buffer.getvalue()))

    assert (page["route"], page["actor"], page["channel"]) == (
        "/cards/<str:number>/",
        f"person:{holder.pk}",
        "web",
    )
    assert (desk["route"], desk["actor"], desk["channel"]) == ("/console/", "clerk-wang", "window")


# ---------------------------------------------------------------- the request id to the worker


@pytest.mark.django_db(transaction=True)
def test_the_request_id_reaches_the_workers_line_about_the_webhook(tmp_path, make_token):
    workers = Workers(tmp_path)
    try:
        with http_receiver() as bank_side:
            bank = BankFactory.create()
            bank.webhook_url, bank.webhook_secret = bank_side.url, SECRET
            bank.save()
            holder = make_person(age=40, phone="", email="")
            card = make_card(person=holder, bank=bank)
            token = make_token("loss:report", name="12333-hotline")
            with json_logs() as buffer:
                answer = Client().post(
                    "/api/v1/loss-reports",
                    {
                        "card_number": card.number,
                        "kind": "temporary",
                        "channel": "hotline",
                        "reporter": {
                            "social_security_number": holder.social_security_number,
                            "name": holder.name,
                            "relation": "self",
                        },
                    },
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {token}", "X-Request-ID": "loss-7f3a"},
                )
            assert answer.status_code == 201, answer.content
            assert answer["X-Request-ID"] == "loss-7f3a"
            (access,) = access_lines(parsed(buffer.getvalue()))
            assert (access["actor"], access["channel"], access["outcome"]) == (
                "12333-hotline",
                "hotline",
                "ok",
            )
            webhook = OutboxMessage.objects.get(kind=OutboxKind.WEBHOOK)
            assert webhook.request_id == "loss-7f3a"
            of_request = AuditEvent.objects.filter(request_id="loss-7f3a")
            assert set(of_request.values_list("action", flat=True)) == {
                "loss_report.created",
                "card.blocked",
            }
            assert verify_chain().ok

            worker = workers.start(
                "--once",
                "--no-sweep",
                SSCARD_LOG_FORMAT="json",
                # tries shorter than the test workers' lease: no system check warning (text)
                SSCARD_SMS_TIMEOUT_SECONDS="1",
                EMAIL_TIMEOUT="1",
            )
            assert worker.wait(120) == 0, workers.output(worker)
        output = workers.output(worker)
    finally:
        workers.stop_all()

    lines = parsed(output)
    (delivered,) = [line for line in lines if line.get("outbox_id") == str(webhook.pk)]
    assert delivered == {
        **delivered,
        "logger": "sscard.notifications.delivery",
        "level": "INFO",
        "request_id": "loss-7f3a",
        "topic": "card.blocked",
        "outcome": "delivered",
        "attempt": 1,
    }
    assert [r.json["id"] for r in bank_side.received] == [str(webhook.pk)]
    assert_nothing_personal(output)


# ---------------------------------------------------------------- gunicorn


def test_gunicorn_writes_its_own_lines_and_the_access_lines_as_json(tmp_path):
    number = "11010519900307002X"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SSCARD_", "DJANGO_"))}
    environ.update(
        SSCARD_VAR_DIR=str(tmp_path),
        DATABASE_URL="",
        SSCARD_LOG_FORMAT="json",
        SSCARD_GUNICORN_LOG_LEVEL="info",
    )
    log = tmp_path / "gunicorn.log"
    with gunicorn(environ, log) as server:
        ready = httpx.get(f"{server.base}/healthz", timeout=5)
        refused = httpx.get(
            f"{server.base}/api/v1/persons/{number}?phone=13812345678",
            headers={"X-Request-ID": "gw-1"},
        )
    output = log.read_text()
    lines = parsed(output)

    assert ready.status_code == 200
    assert (refused.status_code, refused.headers["X-Request-ID"]) == (401, "gw-1")
    assert any(
        line["logger"] == "gunicorn.error" and "Starting gunicorn" in line["message"]
        for line in lines
    )
    (access,) = [line for line in access_lines(lines) if line["request_id"] == "gw-1"]
    assert (access["route"], access["status"], access["error_code"]) == (
        "/api/v1/persons/<ssn>",
        401,
        "unauthorized",
    )
    assert_nothing_personal(output)
