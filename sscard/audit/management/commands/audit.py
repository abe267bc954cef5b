"""`sscard audit verify`: check every bucket's hash chain end to end, then every signed
checkpoint, and print the root over the chains' heads (compare it with a copy's, e.g. a restored
backup's). `sscard audit checkpoint`: sign the heads now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sscard.audit.checkpoints import AuditKeyError, verify_audit, write_checkpoint


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
        audit = verify_audit()
        if not audit.ok:
            raise CommandError(audit.problem)
        report, points = audit.chains, audit.checkpoints
        root = f", heads root {report.last_hash}" if report.last_hash else ""
        self.stdout.write(
            f"audit chain intact: {report.checked} events in {report.chains} chains verified"
            f"{root}; {points.checked} checkpoints verified"
        )
