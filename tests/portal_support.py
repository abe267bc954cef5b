"""What the portal's tests share: a real SMS gateway on localhost that the sign-in service posts
to (codes are read from the texts received, never from the database: only their hashes are
there), and a few stories played through the domain services."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sscard.applications.models import CardApplication
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.production import record_production_event
from sscard.cards.models import Card, LossKind
from sscard.cards.services import report_loss
from sscard.common.context import Actor, Channel, Role
from sscard.outlets.models import Outlet
from sscard.people.models import Person
from tests.caches import emptied_cache
from tests.factories import make_card, make_guardianship, make_outlet, make_person

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


@dataclass
class SmsGateway:
    """Keeps every {"to", "text"} posted to it; `code_for` waits for the next code to a phone."""

    url: str = ""
    texts: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self, phone: str) -> list[str]:
        with self.lock:
            return [t["text"] for t in self.texts if t["to"] == phone]

    def code_for(self, phone: str, *, after: int = 0, timeout: float = 5.0) -> str:
        """The code in the first text to `phone` beyond the first `after` ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.received(phone)
            if len(texts) > after:
                found = CODE.search(texts[after])
                assert found, "the text holds no 6-digit code"
                return found.group(1)
            time.sleep(0.02)
        raise AssertionError(f"no text to {phone} within {timeout} s")


def _handler(gateway: SmsGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with gateway.lock:
                gateway.texts.append(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def sms_gateway(settings: Any) -> Iterator[SmsGateway]:
    """Runs the gateway and points the SMS settings at it (`settings`: pytest-django's)."""
    gateway = SmsGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    server.daemon_threads = True
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_URL = gateway.url
    settings.SMS_TOKEN = ""
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counters live in the cache, which outlives a test's database."""
    with emptied_cache():
        yield


# ---------------------------------------------------------------- stories


def window_actor(outlet: Outlet) -> Actor:
    return Actor(
        kind="staff",
        id="window-clerk-1",
        role=Role.WINDOW_CLERK,
        channel=Channel.WINDOW,
        outlet_code=outlet.code,
    )


def bank_actor(card: Card) -> Actor:
    assert card.bank is not None
    return Actor(
        kind="partner",
        id="bank-1",
        role=Role.PARTNER,
        channel=Channel.BANK,
        bank_code=card.bank.code,
    )


def citizen(age: int = 35, **kwargs: Any) -> tuple[Person, Card]:
    person = make_person(age=age, **kwargs)
    return person, make_card(person=person)


def family() -> tuple[Person, Card, Person, Card]:
    """A parent and a child of 9, each with a working card."""
    parent, parent_card = citizen()
    child, child_card = citizen(age=9)
    make_guardianship(guardian=parent, ward=child)
    return parent, parent_card, child, child_card


def reported_temporarily(card: Card, by: Person | None = None) -> None:
    reporter = by or card.person
    report_loss(
        actor=Actor(kind="staff", id="hotline-1", role=Role.HOTLINE_AGENT, channel=Channel.HOTLINE),
        card=card,
        kind=LossKind.TEMPORARY,
        reporter=reporter,
        relation="self" if reporter.pk == card.person_id else "guardian",
    )


def reissue_ready_for_collection(card: Card) -> CardApplication:
    """A lost card reported in writing, a reissue applied for at a window, the new card made by
    the bank and waiting at the outlet."""
    outlet = make_outlet(code="SI4401060X", name="天河区社会保险基金管理中心")
    clerk = window_actor(outlet)
    holder = card.person
    report_loss(
        actor=clerk,
        card=card,
        kind=LossKind.FORMAL,
        reporter=holder,
        relation="self",
        documents=["id_card"],
        outlet=outlet,
    )
    app = apply_for_card(
        actor=clerk,
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=outlet,
    )
    bank = bank_actor(card)
    for step in ("bank_accepted", "in_production", "ready_for_collection"):
        app = record_production_event(actor=bank, application=app, type=step, outlet=outlet)
    return app
