"""`sscard audit verify`: check the audit log's hash chain end to end, and print the last
event's hash (compare it with a copy's, e.g. a restored backup's)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sscard.audit.services import verify_chain


class Command(BaseCommand):
    help = "Audit log tools. `sscard audit verify` checks the hash chain end to end."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"audit chain broken at event #{report.broken_at}: {report.reason} "
                f"({report.checked} events verified before it)"
            )
        last = f", last hash {report.last_hash}" if report.last_hash else ""
        self.stdout.write(f"audit chain intact: {report.checked} events verified{last}")
