"""Real local stand-ins for what is outside sscard: a bank's webhook endpoint, an SMS gateway
(HTTP servers on localhost) and a mail server (aiosmtpd), each on a random free port."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def verify_signature(header: str, body: bytes, secret: str, tolerance: float = 300) -> bool:
    """What a bank does with `SSCard-Signature: t=<unix>,v1=<hex>` (API.md)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """Answers POSTs with the statuses in `answers` in turn, then `then`.

    Each request is recorded as it arrives, before it is answered.
    `hang_first`: the first request gets no answer until `release` is set (or 30 s pass).
    `delay_first`: the first answer comes after this many seconds.
    `delay_each`: every other answer comes after this many seconds (a slowish receiver).
    """

    answers: list[int] = field(default_factory=list)
    then: int = 200
    hang_first: bool = False
    delay_first: float = 0.0
    delay_each: float = 0.0
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    requests: int = 0

    def next_answer(self) -> tuple[int, bool, float]:
        with self.lock:
            self.requests += 1
            first = self.requests == 1
            status = self.answers.pop(0) if self.answers else self.then
            delay = self.delay_first if first and self.delay_first else self.delay_each
            return status, first and self.hang_first, delay

    def signatures_valid(self, secret: str) -> list[bool]:
        return [
            verify_signature(r.headers.get("SSCard-Signature", ""), r.body, secret)
            for r in self.received
        ]


def _handler(receiver: HttpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, hang, delay = receiver.next_answer()
            with receiver.lock:
                receiver.received.append(
                    Received(self.path, dict(self.headers.items()), body, status)
                )
            receiver.arrived.set()
            if hang:
                receiver.release.wait(30)
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
            except OSError:
                pass  # the client is gone (a killed worker)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def http_receiver(**options: Any) -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(**options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/sscard"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """An SMTP server's handler: keeps each accepted message; refuses the first `refuse`."""

    refuse: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        content = envelope.content
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 2.0.0 accepted"


@contextmanager
def smtp_server(refuse: int = 0) -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox(refuse=refuse)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def plain_body(message: EmailMessage) -> str:
    """The text part, with the wire's CRLF line ends read back as newlines."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")
