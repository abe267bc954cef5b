"""`sscard records import FILE…`: the core system's monthly batch files (CSV or JSON lines)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import DomainError
from sscard.records.imports import CHUNK, ENCODINGS, import_file


def _operator() -> Actor:
    try:
        user = getpass.getuser()
    except Exception:
        user = "operator"
    return Actor(kind="operator", id=f"cli:{user}", role=Role.ADMIN, channel=Channel.SYSTEM)


class Command(BaseCommand):
    help = "Import contribution records from the core system's batch files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser(
            "import",
            help="import CSV or JSON-lines files; run again after a crash to go on from the "
            "last committed line",
        )
        load.add_argument("files", nargs="+", type=Path)
        load.add_argument("--format", choices=("csv", "jsonl"), default=None)
        load.add_argument("--encoding", choices=ENCODINGS, default=None)
        load.add_argument("--chunk", type=int, default=CHUNK, help="records per transaction")
        load.add_argument("--no-progress", action="store_true", help="no progress bar")
        load.add_argument(
            "--rejections", type=int, default=100, help="list at most this many rejected lines"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                report = import_file(
                    path,
                    actor=_operator(),
                    file_format=options["format"],
                    encoding=options["encoding"],
                    chunk=max(1, options["chunk"]),
                    progress=not options["no_progress"] and options["verbosity"] > 0,
                )
            except DomainError as exc:
                self.stderr.write(f"{path}: {exc.detail}")
                failed = True
                continue
            if report.already_imported:
                self.stdout.write(f"{path.name}: already imported (sha256 {report.file_hash[:16]})")
            elif report.resumed_from:
                self.stdout.write(f"{path.name}: resumed after line {report.resumed_from}")
            self.stdout.write(
                f"{path.name}: {report.created} created, {report.replaced} replaced, "
                f"{report.unchanged} unchanged, {report.rejected} rejected"
            )
            for shown, (line, errors) in enumerate(report.rejections()):
                if shown >= options["rejections"]:
                    self.stdout.write(f"  … and {report.rejected - shown} more rejected lines")
                    break
                reasons = "; ".join(
                    f"{e['field'] or 'line'}: {e['message']} ({e['code']})" for e in errors
                )
                self.stdout.write(f"  line {line}: {reasons}")
        if failed:
            raise CommandError("some files were not imported")
