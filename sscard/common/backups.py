"""Backups of the database and their restore, for `sscard backup` and `sscard restore`.

PostgreSQL is dumped by `pg_dump` in its custom format (`-Fc`: compressed, restored by
`pg_restore`, one consistent snapshot while the service writes). The embedded SQLite database
is copied through SQLite's online backup API, in one step: in WAL mode a reader never waits for
a writer, so the service keeps running and the copy holds every committed transaction up to
the moment it began, none half-written.

A backup is written under a temporary name beside its target and linked into place at the end,
so an existing file is never overwritten and no half-written file ever carries the name.
Restoring refuses a database that has any table unless forced.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
# Connection options (settings.DATABASES' OPTIONS) that libpq also reads from the environment.
LIBPQ_ENVIRONMENT = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupError(Exception):
    """A backup or a restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class Database:
    """The configured database, as the backup tools need it (from settings.DATABASES)."""

    vendor: str  # "sqlite" or "postgresql"
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    options: Mapping[str, Any] | None = None

    @classmethod
    def from_settings(cls, config: Mapping[str, Any]) -> Database:
        engine = str(config["ENGINE"])
        if engine.endswith("sqlite3"):
            return cls(vendor="sqlite", name=str(config["NAME"]))
        if engine.endswith("postgresql"):
            return cls(
                vendor="postgresql",
                name=str(config["NAME"]),
                host=str(config.get("HOST") or ""),
                port=str(config.get("PORT") or ""),
                user=str(config.get("USER") or ""),
                password=str(config.get("PASSWORD") or ""),
                options=dict(config.get("OPTIONS") or {}),
            )
        raise BackupError(f"no backup for the database engine {engine}")

    def describe(self) -> str:
        """Where it is, without the password."""
        if self.vendor == "sqlite":
            return f"SQLite database {self.name}"
        where = f"{self.host or 'local socket'}{':' + self.port if self.port else ''}"
        return f"PostgreSQL database {self.name} on {where}"

    def libpq_arguments(self) -> list[str]:
        arguments = ["--no-password"]
        if self.host:
            arguments += ["--host", self.host]
        if self.port:
            arguments += ["--port", self.port]
        if self.user:
            arguments += ["--username", self.user]
        return arguments

    def libpq_environment(self) -> dict[str, str]:
        """The password and TLS options by environment, never on the command line (ps)."""
        environment = dict(os.environ)
        if self.password:
            environment["PGPASSWORD"] = self.password
        for option, variable in LIBPQ_ENVIRONMENT.items():
            value = (self.options or {}).get(option)
            if value is not None:
                environment[variable] = str(value)
        return environment


def default_path(directory: Path, database: Database, now: dt.datetime | None = None) -> Path:
    """`<directory>/sscard-20261207T093000Z.sqlite3` (or `.pgdump`): the UTC time it was made."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return directory / f"sscard-{moment:%Y%m%dT%H%M%SZ}{SUFFIXES[database.vendor]}"


def back_up(database: Database, target: Path) -> Path:
    """Write a backup of `database` to `target` (never over an existing file); return it."""
    target = target.absolute()
    if target.exists():
        raise BackupError(f"{target} already exists: refusing to overwrite it")
    for folder in (target.parent, *target.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise BackupError(f"cannot write {target}: {folder} is not a directory")
            break
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"cannot write {target}: {error.strerror or error}") from error
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        if database.vendor == "sqlite":
            _copy_sqlite(Path(database.name), partial)
        else:
            _dump_postgresql(database, partial)
        _sync(partial)
        try:
            os.link(partial, target)
        except FileExistsError:
            raise BackupError(f"{target} already exists: refusing to overwrite it") from None
    except OSError as error:
        raise BackupError(f"cannot write {target}: {error.strerror or error}") from error
    finally:
        partial.unlink(missing_ok=True)
    return target


def _copy_sqlite(source: Path, destination: Path) -> None:
    if not source.is_file():
        raise BackupError(f"there is no SQLite database at {source}")
    reader = sqlite3.connect(source, timeout=20)
    try:
        writer = sqlite3.connect(destination)
        try:
            # All pages in one step: stepping would start over whenever the service writes.
            reader.backup(writer)
            # One self-contained file (the copy would otherwise be in WAL mode, like the
            # service's); the service turns WAL on again when it opens a restored database.
            writer.execute("PRAGMA journal_mode=DELETE")
        finally:
            writer.close()
    except sqlite3.Error as error:
        raise BackupError(f"the SQLite backup of {source} failed: {error}") from error
    finally:
        reader.close()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed (or not on PATH): install the PostgreSQL client tools "
            "(Debian: postgresql-client) of the server's major version or newer"
        )
    return found


def _run(arguments: list[str], database: Database, what: str) -> None:
    done = subprocess.run(
        arguments,
        env=database.libpq_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        detail = done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}"
        raise BackupError(f"{what} failed: {detail}")


def _dump_postgresql(database: Database, destination: Path) -> None:
    _run(
        [
            _tool("pg_dump"),
            "--format=custom",
            f"--file={destination}",
            *database.libpq_arguments(),
            database.name,
        ],
        database,
        "pg_dump",
    )


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def kind_of(path: Path) -> str:
    """ "sqlite" or "postgresql", by the file's first bytes."""
    try:
        with path.open("rb") as backup:
            start = backup.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"there is no backup at {path}") from None
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror or error}") from error
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(
        f"{path} is neither an SQLite database nor a pg_dump custom-format file: "
        "not a backup made by `sscard backup`"
    )


def check_restorable(database: Database, backup: Path, *, has_tables: bool, force: bool) -> None:
    """Refuse a file that is no backup of this kind of database, and a database with tables
    unless `force`."""
    kind = kind_of(backup)
    if kind != database.vendor:
        raise BackupError(
            f"{backup} is a {'PostgreSQL' if kind == 'postgresql' else 'SQLite'} backup, "
            f"but DATABASE_URL points at the {database.describe()}"
        )
    if has_tables and not force:
        raise BackupError(
            f"the {database.describe()} is not empty: refusing to restore over it. "
            "Restore into a new, empty database, or add --force to replace what it holds."
        )


def restore(database: Database, backup: Path, *, clean: bool) -> None:
    """Load `backup` into `database` (checked by `check_restorable`); `clean`: drop what the
    backup holds first."""
    if database.vendor == "sqlite":
        _restore_sqlite(backup, Path(database.name))
    else:
        _restore_postgresql(backup, database, clean=clean)


def _restore_sqlite(backup: Path, destination: Path) -> None:
    reader = sqlite3.connect(backup)
    try:
        checked = reader.execute("PRAGMA quick_check").fetchone()
        if checked is None or checked[0] != "ok":
            raise BackupError(f"{backup} is damaged: {checked[0] if checked else 'unreadable'}")
        destination.parent.mkdir(parents=True, exist_ok=True)
        writer = sqlite3.connect(destination, timeout=20)
        try:
            reader.backup(writer)
        finally:
            writer.close()
    except sqlite3.Error as error:
        raise BackupError(f"restoring {backup} into {destination} failed: {error}") from error
    finally:
        reader.close()


def _restore_postgresql(backup: Path, database: Database, *, clean: bool) -> None:
    pg_restore = _tool("pg_restore")
    _run([pg_restore, "--list", str(backup)], database, f"reading {backup}")
    _run(
        [
            pg_restore,
            # Objects belong to the user restoring them, whoever owned them where dumped.
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *(["--clean", "--if-exists"] if clean else []),
            *database.libpq_arguments(),
            f"--dbname={database.name}",
            str(backup),
        ],
        database,
        "pg_restore",
    )
