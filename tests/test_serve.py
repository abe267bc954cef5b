"""`sscard serve` (what `make run` ends with): gunicorn and the worker as real processes, and
what it prints is enough for a newcomer to sign in as the demo citizen and into the console."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sscard.common.models import Sequence
from sscard.demo.planning import DEMO_MARK
from sscard.demo.reference import load_reference_data
from sscard.demo.staff import DEMO_STAFF, DEMO_STAFF_PASSWORD, ensure_demo_staff
from tests.factories import make_card, make_guardianship, make_person
from tests.process_support import database_url
from tests.receivers import free_port

pytestmark = pytest.mark.django_db(transaction=True)

SSCARD = Path(sys.executable).with_name("sscard")
ROOT = Path(__file__).resolve().parent.parent
READY = "Ctrl-C stops it."


class Served:
    def __init__(self, process: subprocess.Popen[bytes], output: Path, port: int) -> None:
        self.process, self.output, self.base = process, output, f"http://127.0.0.1:{port}"

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for(self, pattern: str, seconds: float = 90) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while True:
            found = re.search(pattern, self.text())
            if found:
                return found
            assert self.process.poll() is None, self.text()
            assert time.monotonic() < deadline, f"no {pattern!r} in:\n{self.text()}"
            time.sleep(0.2)

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"null")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    output = tmp_path / "serve.log"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "SSCARD_VAR_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        "SSCARD_SMS_BACKEND": "console",
        "SSCARD_WORKERS": "1",
    }
    process = subprocess.Popen(
        [str(SSCARD), "serve", "--bind", f"127.0.0.1:{port}"],
        env=environment,
        cwd=ROOT,
        stdout=output.open("wb"),
        stderr=subprocess.STDOUT,
        process_group=0,  # as in a terminal: Ctrl-C goes to the group
    )
    try:
        yield Served(process, output, port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        subprocess.run(["pkill", "-KILL", "-f", f"127.0.0.1:{port}"], check=False)
        subprocess.run(["pkill", "-KILL", "-f", f"worker-id serve-{process.pid}"], check=False)


def test_what_serve_prints_signs_a_newcomer_in_and_ctrl_c_stops_both(served: Served) -> None:
    load_reference_data()
    holder = make_person(phone="13900139000")
    make_card(person=holder)
    make_guardianship(guardian=make_person(), ward=make_person(age=9))
    Sequence.objects.create(name=DEMO_MARK, value=3)
    ensure_demo_staff()

    served.wait_for(re.escape(READY))
    text = served.text()
    # Ready means both: the worker (which sends the sign-in SMS) has started too.
    assert re.search(r"worker serve-\d+: tasks every", text.partition(READY)[0]), text
    printed = re.search(r"a demo citizen:\s+ID number (\S+)\s+phone (\S+)", text)
    assert printed is not None, text
    assert printed.groups() == (holder.social_security_number, holder.phone)
    assert "a parent:" in text
    for spec in DEMO_STAFF:
        assert spec.username in text
    assert f"password {DEMO_STAFF_PASSWORD}" in text
    assert f"{served.base}/api/v1/docs" in text

    # The portal's sign-in, as the printed lines tell: the code comes in the console SMS.
    status, _ = served.post(
        "/api/v1/auth/otp", {"social_security_number": printed[1], "phone": printed[2]}
    )
    assert status == 202
    code = served.wait_for(r"SMS to [^\n]+\n[^\n]*?(?<!\d)(\d{6})(?!\d)", seconds=30)[1]
    status, body = served.post(
        "/api/v1/auth/token", {"social_security_number": printed[1], "code": code}
    )
    assert status == 200, body
    assert body["access_token"].startswith("ssc_")
    # Static files come from gunicorn itself.
    with urllib.request.urlopen(served.base + "/console/sign-in/", timeout=10) as page:
        assert page.status == 200

    os.killpg(served.process.pid, signal.SIGINT)  # Ctrl-C in the terminal
    assert served.process.wait(40) == 0
    assert re.search(r"worker serve-\d+ stopped", served.text()), served.text()
    assert "killed" not in served.text()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(served.base + "/healthz", timeout=2)


def test_a_wrong_bind_is_refused_before_anything_starts(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SSCARD), "serve", "--bind", "nowhere"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "--bind wants HOST:PORT" in done.stderr
