"""The backup and restore drill, as an operator runs it: `sscard backup` of the test database
(SQLite or PostgreSQL, whichever this run uses) while another connection is writing, `sscard
restore` into a fresh database (a new SQLite file, or a new PostgreSQL database dropped
afterwards), then `sscard audit verify` on the restored copy: every audit event is there, the
chain holds and ends on the same hash, and every table has the same number of rows.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sscard.audit.models import AuditEvent, AuditHead
from sscard.audit.services import verify_chain
from tests.process_support import database_url
from tests.records_support import seed_rates

pytestmark = pytest.mark.django_db(transaction=True)

SSCARD = Path(sys.executable).with_name("sscard")
ROOT = Path(__file__).resolve().parent.parent


def database_url_of_this_run() -> str:
    """The test database, for a process that is not this one."""
    return database_url()


def postgres_url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def postgres_server() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def sscard(*args: str, database_url: str, var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "SSCARD_VAR_DIR": str(var_dir),
        **env,
    }
    return subprocess.run(
        [str(SSCARD), *args],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of this run's kind, gone after the test."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"sscard_restore_{uuid.uuid4().hex[:16]}"
    with postgres_server() as server:
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url(name)
    finally:
        with postgres_server() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def a_write_in_progress() -> Iterator[None]:
    """Another connection in the middle of a write transaction (the service, busy)."""
    tampering = "UPDATE audit_auditevent SET action = 'tampered' WHERE seq = 1"
    if connection.vendor == "sqlite":
        writer = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(tampering)
        try:
            yield
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    else:
        db = connection.settings_dict
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
        ) as busy:
            busy.execute(tampering)
            try:
                yield
            finally:
                busy.rollback()


def row_counts_here() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def row_counts_there(database_url: str, tables: list[str]) -> dict[str, int]:
    if database_url.startswith("sqlite:///"):
        restored = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            return {
                t: restored.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
            }
        finally:
            restored.close()
    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as server:
        counts = {}
        for table in tables:
            row = server.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            counts[table] = row[0] if row else -1
        return counts


def execute_there(database_url: str, statement: str) -> None:
    if database_url.startswith("sqlite:///"):
        restored = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            with restored:
                restored.execute(statement)
        finally:
            restored.close()
        return
    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as server:
        server.execute(statement)


def test_a_backup_restored_into_a_fresh_database_holds_every_audit_event(
    tmp_path: Path, fresh_database: str
) -> None:
    seed_rates()  # a migration's data, gone if a transactional test ran before
    call_command("demo", people=100, verbosity=0)
    chains = verify_chain()
    assert chains.checked == AuditEvent.objects.count() > 100
    assert chains.chains == AuditHead.objects.filter(seq__gt=0).count() > 1
    counts = row_counts_here()
    target = tmp_path / "drill" / "sscard.backup"

    with a_write_in_progress():
        backed_up = sscard(
            "backup",
            "--output",
            str(target),
            database_url=database_url_of_this_run(),
            var_dir=tmp_path,
        )

    assert backed_up.returncode == 0, backed_up.stderr
    assert backed_up.stdout == f"{target}\n"
    restored = sscard("restore", str(target), database_url=fresh_database, var_dir=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert row_counts_there(fresh_database, list(counts)) == counts

    # Restoring again over it needs --force, and replaces what it holds.
    execute_there(fresh_database, "DELETE FROM audit_auditevent WHERE seq > 1")
    forced = sscard(
        "restore", "--force", str(target), database_url=fresh_database, var_dir=tmp_path
    )
    assert forced.returncode == 0, forced.stderr

    verified = sscard("audit", "verify", database_url=fresh_database, var_dir=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout == (
        f"audit chain intact: {chains.checked} events in {chains.chains} chains verified, "
        f"heads root {chains.last_hash}; 0 checkpoints verified\n"
    )
    assert row_counts_there(fresh_database, list(counts)) == counts


# The refusals below run the commands in this process: they are about the messages.


def backup(**options: Any) -> str:
    out = StringIO()
    call_command("backup", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_a_backup_goes_under_var_backups_by_time_and_never_overwrites(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    suffix = "sqlite3" if connection.vendor == "sqlite" else "pgdump"

    written = Path(backup().strip())

    assert written.parent == tmp_path / "backups"
    assert re.fullmatch(rf"sscard-\d{{8}}T\d{{6}}Z\.{suffix}", written.name), written.name
    before = written.read_bytes()
    with pytest.raises(CommandError, match="already exists: refusing to overwrite it"):
        backup(output=str(written))
    assert written.read_bytes() == before
    assert sorted(p.name for p in written.parent.iterdir()) == [written.name]
    # A directory given (with its slash) gets a file named by the time in it.
    into = Path(backup(output=f"{tmp_path}/elsewhere/").strip())
    assert into.parent == tmp_path / "elsewhere"
    assert re.fullmatch(rf"sscard-\d{{8}}T\d{{6}}Z\.{suffix}", into.name), into.name


@pytest.mark.django_db
def test_a_backup_that_cannot_be_written_says_why(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")

    with pytest.raises(CommandError) as refused:
        backup(output=str(tmp_path / "a-file" / "x"))

    assert str(refused.value) == (
        f"cannot write {tmp_path}/a-file/x: {tmp_path}/a-file is not a directory"
    )


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_no_backup(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("not a backup")

    with pytest.raises(CommandError, match="is neither an SQLite database nor a pg_dump custom"):
        call_command("restore", str(other))


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(tmp_path: Path) -> None:
    made = Path(backup(output=str(tmp_path / "backup")).strip())

    with pytest.raises(CommandError, match=r"is not empty: refusing to restore over it.*--force"):
        call_command("restore", str(made))


@pytest.mark.django_db
def test_without_pg_dump_the_backup_says_what_to_install(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL only")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(CommandError, match=r"pg_dump is not installed \(or not on PATH\)"):
        backup(output=str(tmp_path / "backups" / "x.pgdump"))

    assert list((tmp_path / "backups").iterdir()) == []
