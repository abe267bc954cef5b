"""`sscard records import FILE…`: the core system's monthly batch files (CSV or JSON lines).
`sscard records statements --year Y`: the yearly statements run (made and notified by the
worker, or here with --foreground). `sscard records verify-statement CODE`: check a
statement's verification code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sscard.common.context import Actor
from sscard.common.errors import DomainError
from sscard.records.imports import CHUNK, ENCODINGS, import_file
from sscard.records.statement_run import RunReport, make_statements, queue_statements
from sscard.records.statements import verify_statement_code


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

        run = sub.add_parser(
            "statements",
            help="make every person's statement of a year and tell each that it is ready "
            "(in the background; run again after a crash to go on)",
        )
        run.add_argument("--year", type=int, required=True)
        run.add_argument(
            "--foreground", action="store_true", help="make them here, not by the worker"
        )
        run.add_argument(
            "--chunk",
            type=int,
            default=None,
            help="statements per transaction (default: the setting STATEMENT_RUN_CHUNK)",
        )
        verify = sub.add_parser("verify-statement", help="check a statement's verification code")
        verify.add_argument("code")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "statements":
            self._statements(options)
        elif options["action"] == "verify-statement":
            self._verify(options["code"])
        else:
            self._import(options)

    def _statements(self, options: dict[str, Any]) -> None:
        year = options["year"]
        try:
            queued = queue_statements(
                year=year, actor=Actor.operator(), background=not options["foreground"]
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(
            f"{year}: {queued.queued} statements queued, {queued.remaining} to make and notify"
        )
        if not options["foreground"]:
            if queued.remaining:
                self.stdout.write("the worker (sscard worker) makes them and tells each person")
            return

        def progress(report: RunReport) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {report.made} made, {report.notified} notified")

        chunk = max(1, options["chunk"]) if options["chunk"] is not None else None
        report = make_statements(year, chunk=chunk, progress=progress)
        self.stdout.write(
            f"{year}: {report.made} made, {report.notified} notified, {report.remaining} left"
        )

    def _verify(self, code: str) -> None:
        try:
            found = verify_statement_code(code)
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        figures = "as the records stand" if found.current else "changed since it was made"
        self.stdout.write(
            f"genuine: the statement of {found.year} of person {found.person.reference} "
            f"({', '.join(found.insurances)}); its figures are {figures}"
        )

    def _import(self, options: dict[str, Any]) -> None:
        failed = False
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                report = import_file(
                    path,
                    actor=Actor.operator(),
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
