"""No whole ID number or mobile number reaches the logs (DOMAIN.md section 10).

The API's requests run with every logger at DEBUG and the configured handlers (settings.LOGGING)
writing to one buffer, which is then searched; a real development server is run too, whose
request lines go through Django's `django.server` logger.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.test import Client

from sscard.common.logfilter import MaskPersonalData
from sscard.common.masking import mask_text
from tests.caches import clear_cache
from tests.factories import (
    BankFactory,
    citizen_id,
    make_card,
    make_person,
    with_a_wrong_check_character,
)
from tests.log_support import assert_nothing_personal
from tests.receivers import free_port, http_receiver

pytestmark = pytest.mark.django_db


def configured_handlers() -> list[logging.Handler]:
    """Every handler that writes somewhere, on any logger, except those pytest adds to capture
    logs itself (libraries may add a NullHandler, which writes nothing)."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    found: list[logging.Handler] = []
    for logger in loggers:
        for handler in logger.handlers:
            if type(handler).__module__.startswith("_pytest") or handler in found:
                continue
            if isinstance(handler, logging.NullHandler):
                continue
            found.append(handler)
    return found


@contextmanager
def all_logs_captured() -> Iterator[io.StringIO]:
    """Every logger at DEBUG; every configured stream handler writes into the buffer."""
    buffer = io.StringIO()
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    levels = {logger: logger.level for logger in loggers}
    streams: dict[logging.StreamHandler[Any], Any] = {}
    for handler in configured_handlers():
        assert isinstance(handler, logging.StreamHandler)
        streams[handler] = handler.setStream(buffer)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        for handler, stream in streams.items():
            handler.setStream(stream)
        for logger, level in levels.items():
            logger.setLevel(level)


def test_every_configured_handler_masks_personal_data():
    handlers = configured_handlers()

    assert {h.name for h in handlers} >= {"console", "django.server"}
    for handler in handlers:
        assert any(isinstance(f, MaskPersonalData) for f in handler.filters), handler.name
    configured: Any = django_settings.LOGGING["handlers"]
    for name, options in configured.items():
        assert "personal_data" in options.get("filters", []), name


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "Not Found: /api/v1/persons/11010519900307002X",
            "Not Found: /api/v1/persons/110105********002X",
        ),
        ("id=44010619760101001x&phone=13812345678", "id=440106********001x&phone=138****5678"),
        ("+86 138 1234 5678 and 8613912345678", "+86 138****5678 and 86139****5678"),
        (
            "card A00000118, 2026-03-10 10:00, 1717171717123 ms",
            "card A00000118, 2026-03-10 10:00, 1717171717123 ms",
        ),
        ("6222020200112233445", "622202********3344" + "5"),
    ],
)
def test_the_masks_of_free_text(text, masked):
    assert mask_text(text) == masked


def test_the_api_suite_requests_log_no_id_number_and_no_phone(api, make_token, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    clear_cache()
    writer = make_token("persons:write,persons:read,loss:report,cards:read")
    reader = make_token("cards:verify")
    known = make_person(phone="13800138000")
    make_card(person=known, bank=BankFactory.create())
    stranger, new = citizen_id(), citizen_id(age=30)
    person = {"social_security_number": new, "name": "王芳", "phone": "13912345678"}

    with all_logs_captured() as logs, http_receiver() as sms:
        settings.SMS_BACKEND, settings.SMS_URL = "http", sms.url
        answers = [
            api.post("/persons", person, token=writer).status_code,
            api.post("/persons", person, token=writer).status_code,
            api.post(
                "/persons",
                {**person, "social_security_number": with_a_wrong_check_character(new)},
                token=writer,
            ).status_code,
            api.post(
                "/persons",
                {"social_security_number": stranger, "phone": "13512345678"},
                token=writer,
            ).status_code,
            api.get(f"/persons/{stranger}", token=writer).status_code,
            api.get(f"/persons/{known.social_security_number}", token=writer).status_code,
            api.get(f"/persons/{known.social_security_number}", token=reader).status_code,
            api.get(f"/persons/{known.social_security_number}").status_code,
            api.get(f"/persons/{stranger}/whatever?phone=13612345678").status_code,
            api.get(f"/nowhere/{stranger}").status_code,
            api.post(
                "/persons", raw=f'{{"social_security_number": "{stranger}",', token=writer
            ).status_code,
            api.post(
                "/persons", raw=f'{{"social_security_number": "{stranger}\\u0000"}}', token=writer
            ).status_code,
            api.post(
                "/loss-reports",
                {
                    "social_security_number": stranger,
                    "kind": "temporary",
                    "channel": "hotline",
                    "reporter": {
                        "social_security_number": stranger,
                        "name": "李四",
                        "relation": "self",
                    },
                },
                token=writer,
            ).status_code,
        ]
        answers2 = [  # sign-in, by the app and on the portal
            api.post(
                "/auth/otp",
                {"social_security_number": known.social_security_number, "phone": known.phone},
            ).status_code,
            api.post(
                "/auth/otp", {"social_security_number": stranger, "phone": "13712345678"}
            ).status_code,
            api.post(
                "/auth/token",
                {"social_security_number": known.social_security_number, "code": "000000"},
            ).status_code,
            api.post(
                "/auth/token", {"social_security_number": stranger, "code": "12345"}
            ).status_code,
            Client().get(f"/cards/{stranger}/").status_code,
            Client()
            .post("/sign-in/", {"social_security_number": stranger, "phone": "13712345678"})
            .status_code,
        ]
        logging.getLogger("sscard.test").exception(
            "failed for %s", known.social_security_number, exc_info=ValueError(f"bad {known.phone}")
        )
        captured = logs.getvalue()

    assert answers == [201, 409, 422, 422, 404, 200, 403, 401, 404, 404, 400, 422, 404]
    assert answers2 == [202, 202, 401, 401, 302, 302]
    assert "Not Found: /api/v1/persons/" in captured
    assert mask_text(stranger) in captured
    assert "ValueError: bad 138****8000" in captured
    assert_nothing_personal(captured)


def test_a_real_development_server_logs_requests_masked(tmp_path):
    number = "11010519900307002X"
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SSCARD_", "DJANGO_"))}
    environ.update(SSCARD_VAR_DIR=str(tmp_path), DATABASE_URL="", SSCARD_LOG_LEVEL="DEBUG")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "sscard"),
            "runserver",
            "--noreload",
            f"127.0.0.1:{port}",
        ],
        env=environ,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(
                    f"http://127.0.0.1:{port}/api/v1/persons/{number}?phone=13812345678"
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        httpx.get(f"http://127.0.0.1:{port}/nowhere/{number}")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]

    assert answer.status_code == 401
    assert "/api/v1/persons/110105********002X?phone=138****5678" in output
    assert "/nowhere/110105********002X" in output
    assert_nothing_personal(output)
