"""The processes the fault scenarios start, each on a free port, in a directory of its own, waited
for with a deadline and always ended by the test that started it: gunicorn (config/gunicorn.py),
a PostgreSQL cluster (initdb and pg_ctl, never the machine's shared server), a Redis server
(never the shared one), and `sscard` commands run against the database a scenario uses.

The suite runs twice side by side in CI (SQLite and PostgreSQL): nothing here takes a fixed
port, a fixed directory or a shared server's state, so the two runs cannot meet.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from tests import process_support
from tests.process_support import end, wait_until
from tests.receivers import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SSCARD = BIN / "sscard"


def _newest_postgresql() -> Path:
    """The bin directory of the newest PostgreSQL installed from Debian's packages."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _newest_postgresql()

# Which of the two runs this is (the Makefile's test-sqlite and test-postgres): a scenario that
# needs to run once runs in the one it is about.
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(
    ("postgres://", "postgresql://", "pgsql://")
)


def service_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a server or worker of ours: production settings on a test database."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "SSCARD_VAR_DIR": str(var_dir),
        "SECRET_KEY": "faults-" + "k" * 50,
        "SSCARD_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def sscard(
    database_url: str, var_dir: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """An `sscard` command against a database, as an operator runs it."""
    return subprocess.run(
        [str(SSCARD), *args],
        env=service_env(database_url, var_dir, **env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def census(database_url: str) -> dict[str, dict[str, Any]]:
    """What a database of another process holds of loss reports: for each one its card's
    status, its audit events and the outbox messages that name it. A report written whole has
    all three; a half-written one would lack some. Read with plain SQL (the database is not
    one this process reaches through Django), table names from the models."""
    from sscard.audit.models import AuditEvent
    from sscard.cards.models import Card, LossReport
    from sscard.notifications.models import OutboxMessage

    report, card = LossReport._meta.db_table, Card._meta.db_table
    queries = {
        "reports": f"SELECT r.reference, c.status FROM {report} r "
        f"JOIN {card} c ON c.id = r.card_id",
        "events": f"SELECT object_id FROM {AuditEvent._meta.db_table} "
        "WHERE object_type = 'loss_report' AND action = 'loss_report.created'",
        "outbox": f"SELECT topic, payload FROM {OutboxMessage._meta.db_table}",
    }
    rows: dict[str, list[tuple[Any, ...]]] = {}
    if database_url.startswith("sqlite:///"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            rows = {name: db.execute(sql).fetchall() for name, sql in queries.items()}
    else:
        with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as db:
            rows = {name: db.execute(sql).fetchall() for name, sql in queries.items()}
    events = Counter(object_id for (object_id,) in rows["events"])
    outbox = [
        (topic, payload if isinstance(payload, str) else json.dumps(payload))
        for topic, payload in rows["outbox"]
    ]
    return {
        reference: {
            "card_status": status,
            "audit_events": events[reference],
            "outbox": sorted(topic for topic, text in outbox if f'"{reference}"' in text),
        }
        for reference, status in rows["reports"]
    }


# ---------------------------------------------------------------- HTTP


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def problem_code(self) -> str | None:
        if self.content_type != "application/problem+json":
            return None
        code: str = self.json()["code"]
        return code


def call(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Answer:
    """One request over a new connection, as a partner's system sends it."""
    sent = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        return Answer(
            response.status,
            (response.getheader("Content-Type") or "").split(";")[0],
            response.read(),
            {k.lower(): v for k, v in response.getheaders()},
        )
    finally:
        connection.close()


# ---------------------------------------------------------------- gunicorn


@contextmanager
def gunicorn(database_url: str, var_dir: Path, workers: int = 2, **env: str) -> Iterator[Served]:
    """gunicorn with config/gunicorn.py on a free port, ready when /healthz answers."""
    environment = service_env(database_url, var_dir, SSCARD_GUNICORN_LOG_LEVEL="info", **env)
    log = var_dir / f"gunicorn-{len(list(var_dir.glob('gunicorn-*.log'))) + 1}.log"
    with process_support.gunicorn(environment, log, workers=workers) as started:
        yield Served(started.port, started.process, started.log)


class Served(process_support.Gunicorn):
    def call(self, method: str, path: str, body: Any = None, **options: Any) -> Answer:
        return call(self.port, method, path, body, **options)


# ---------------------------------------------------------------- sscard worker


class Worker:
    """`sscard worker` as its own process; started again with the same settings after a kill."""

    def __init__(self, database_url: str, var_dir: Path, *args: str, **env: str) -> None:
        self.command = [str(SSCARD), "worker", *args]
        self.env = service_env(database_url, var_dir, **env)
        self.var_dir = var_dir
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = self.var_dir / f"worker-{len(self.started) + 1}.log"
        process = subprocess.Popen(
            self.command, env=self.env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        self.started.append(process)
        return process

    def output(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.var_dir.glob("worker-*.log"))
        )

    def end_all(self) -> None:
        for process in self.started:
            end(process)


@contextmanager
def worker(database_url: str, var_dir: Path, *args: str, **env: str) -> Iterator[Worker]:
    workers = Worker(database_url, var_dir, *args, **env)
    try:
        yield workers
    finally:
        workers.end_all()


# ---------------------------------------------------------------- PostgreSQL


def _as_postgres() -> list[str]:
    """initdb refuses root: as root (CI), the cluster is the postgres user's."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PrivatePostgres:
    """A PostgreSQL cluster of this test alone, in a temporary directory, on a free port."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = port

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [
                *_as_postgres(),
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-w",
                "-t",
                "30",
                "-l",
                str(self.directory / "server.log"),
                "-o",
                options,
                *args,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("stop", "-m", mode)

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    directory = Path(tempfile.mkdtemp(prefix="sscard-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = PrivatePostgres(directory, free_port())
    try:
        subprocess.run(
            [
                *_as_postgres(),
                str(PG_BIN / "initdb"),
                "-D",
                str(cluster.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            subprocess.run(
                [
                    *_as_postgres(),
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(cluster.data),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(directory, ignore_errors=True)


# ---------------------------------------------------------------- Redis


class PrivateRedis:
    """A Redis server of this test alone on a free port, killed and started again on it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=(self.directory / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_until(f"Redis on {self.port}", self.answers, output=self.log)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        wait_until(f"Redis on {self.port} to be gone", lambda: not self.answers())

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def log(self) -> str:
        return (self.directory / "redis.log").read_text(errors="replace")


@contextmanager
def private_redis(directory: Path) -> Iterator[PrivateRedis]:
    directory.mkdir(parents=True, exist_ok=True)
    server = PrivateRedis(directory)
    try:
        server.start()
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.process.kill()
            server.process.wait(10)
