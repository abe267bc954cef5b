"""Real processes of ours that a test starts and always ends: gunicorn with config/gunicorn.py on
a free port, waited for with a deadline; and the waiting and ending every such test needs.

Nothing here takes a fixed port or directory: the SQLite and PostgreSQL runs of the suite go on
side by side without meeting.
"""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.receivers import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUNICORN = BIN / "gunicorn"
GUNICORN_CONFIG = ROOT / "config" / "gunicorn.py"

# Deadlines only for what hangs: on a busy machine a Python process may take many seconds to
# start, so they are generous; a test that works ends long before them.
DEADLINE = 120.0


def wait_until(
    what: str,
    check: Callable[[], bool],
    timeout: float = DEADLINE,
    output: Callable[[], str] = str,
) -> None:
    """Poll `check` until it holds; past the deadline fail, with what the process wrote."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout}s for {what}\n{output()}")


def database_url_of(settings_dict: dict[str, Any]) -> str:
    """A Django connection's database as a URL, for a process that is not this one."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict["USER"] + (
        f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    )
    host = settings_dict["HOST"] or "127.0.0.1"
    return f"postgres://{user}@{host}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"


def database_url() -> str:
    """The test database of this run, for a process that is not this one."""
    from django.db import connection

    return database_url_of(connection.settings_dict)


def end(process: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    """SIGTERM, as systemd stops a unit; SIGKILL only if it does not go within `grace`."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(grace)


def answers_200(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@dataclass
class Gunicorn:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def gunicorn(
    environment: Mapping[str, str],
    log: Path,
    *,
    workers: int = 1,
    ready: str | None = "/healthz",
    options: tuple[str, ...] = (),
) -> Iterator[Gunicorn]:
    """gunicorn with config/gunicorn.py and `environment` on a free port, its output in `log`;
    ready once `ready` answers 200 (None: as soon as it is started). Ended on the way out."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(GUNICORN),
                "--config",
                str(GUNICORN_CONFIG),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                *options,
                "config.wsgi:application",
            ],
            env=dict(environment),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Gunicorn(port, process, log)
    try:
        if ready is not None:
            path = ready
            wait_until(
                f"gunicorn to answer {path}",
                lambda: process.poll() is None and answers_200(port, path),
                output=server.output,
            )
        yield server
    finally:
        end(process)
