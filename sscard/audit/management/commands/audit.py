"""`sscard audit verify`: check every bucket's hash chain end to end, then every signed
checkpoint, and print the root over the chains' heads (compare it with a copy's, e.g. a restored
backup's). `sscard audit checkpoint`: sign the heads now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sscard.audit.checkpoints import AuditKeyError, verify_checkpoints, write_checkpoint
from sscard.audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "Audit log tools. `sscard audit verify` checks every chain and every signed checkpoint; "
        "`sscard audit checkpoint` signs the chains' heads now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            try:
                point = write_checkpoint()
            except AuditKeyError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"audit checkpoint #{point.number}: {len(point.heads)} chains, root {point.root}"
            )
            return
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"audit chain broken at event #{report.broken_at}: {report.reason} "
                f"({report.checked} events verified before it)"
            )
        points = verify_checkpoints()
        if not points.ok:
            raise CommandError(
                f"audit checkpoints broken at #{points.broken_at}: {points.reason} "
                f"({points.checked} checkpoints verified before it)"
            )
        root = f", heads root {report.last_hash}" if report.last_hash else ""
        self.stdout.write(
            f"audit chain intact: {report.checked} events in {report.chains} chains verified"
            f"{root}; {points.checked} checkpoints verified"
        )
