"""`sscard serve`: the service in one command, as `make run` serves it: gunicorn with the
project's settings (config/gunicorn.py), the worker beside it, and, once the server answers and
the worker has written its first heartbeat, how to try each face of it (sscard.demo.welcome).
Ctrl-C, SIGTERM or SIGHUP stops both: the two run in process groups of their own, so a Ctrl-C in
the terminal reaches this command alone, which then asks each to stop once (a second signal
would make the worker drop the delivery in hand).

In production the web server and the worker are run as services of their own (docs/deploy.md);
this command is for trying sscard and for development.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sscard.background import heartbeat
from sscard.demo.welcome import lines

READY_SECONDS = 90
STOP_SECONDS = 30


class _Stop(Exception):
    """Ctrl-C, SIGTERM or SIGHUP: each stops serving the same way."""


def _on_term(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def _base_url(bind: str) -> str:
    host, _, port = bind.rpartition(":")
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class Command(BaseCommand):
    help = (
        "Serve sscard: gunicorn (config/gunicorn.py) and the worker beside it, then print how "
        "to try the portal, the console, the API, the terminal and the voice menu."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("SSCARD_BIND", "127.0.0.1:8000"),
            help="HOST:PORT to listen on (SSCARD_BIND, else 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="the web server only (a worker runs elsewhere)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind: str = options["bind"]
        if ":" not in bind or not bind.rpartition(":")[2].isdigit():
            raise CommandError(f"--bind wants HOST:PORT, not {bind!r}.")
        base = _base_url(bind)
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        commands = {
            "web server": [
                sys.executable,
                *("-m", "gunicorn", "--config", "python:config.gunicorn", "--bind", bind),
                "config.wsgi:application",
            ],
        }
        worker_id = f"serve-{os.getpid()}"
        if not options["no_worker"]:
            worker = ["-m", "config.cli", "worker", "--worker-id", worker_id]
            commands["worker"] = [sys.executable, *worker]
        # SIGINT too: a shell starting this in the background leaves SIGINT ignored.
        stopping = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        previous = {sig: signal.signal(sig, _on_term) for sig in stopping}
        running: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for name, command in commands.items():
                running[name] = subprocess.Popen(command, env=env, process_group=0)
            self._wait_ready(base, running, None if options["no_worker"] else worker_id)
            self.stdout.write("\n".join(["", *lines(base), "", "Ctrl-C stops it.", ""]))
            self.stdout.flush()
            while True:
                for name, process in running.items():
                    if process.poll() is not None:
                        raise CommandError(
                            f"The {name} stopped (exit status {process.returncode})."
                        )
                time.sleep(0.5)
        except _Stop:
            self.stdout.write("Stopping.")
        finally:
            try:
                self._stop(running)
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    def _wait_ready(
        self, base: str, running: dict[str, subprocess.Popen[bytes]], worker_id: str | None
    ) -> None:
        """Until the server answers and the worker beats: what is printed then works at once
        (a request's SMS or webhook is sent by the worker)."""
        deadline = time.monotonic() + READY_SECONDS
        while not (
            _answers(f"{base}/healthz") and (worker_id is None or heartbeat.alive(worker_id))
        ):
            for name, process in running.items():
                if process.poll() is not None:
                    raise CommandError(
                        f"The {name} stopped before the server answered "
                        f"(exit status {process.returncode})."
                    )
            if time.monotonic() > deadline:
                waited_for = f"the server did not answer {base}/healthz"
                if _answers(f"{base}/healthz"):
                    waited_for = "the worker wrote no heartbeat"
                raise CommandError(f"Not ready in {READY_SECONDS} s: {waited_for}.")
            time.sleep(0.2)

    def _stop(self, running: dict[str, subprocess.Popen[bytes]]) -> None:
        """TERM to each (the worker finishes the delivery in hand; gunicorn its requests), then
        KILL what has not stopped in time, or at once on a second Ctrl-C, and say so."""
        for process in running.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        why = f"did not stop in {STOP_SECONDS} s"
        for name, process in running.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except (subprocess.TimeoutExpired, _Stop) as reason:
                if isinstance(reason, _Stop):
                    deadline, why = 0.0, "was asked to stop twice"
                process.kill()
                process.wait()
                self.stderr.write(f"The {name} {why}: killed.")
