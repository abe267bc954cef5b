"""`sscard backup [--output FILE]`: a backup of the configured database, safe while it serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sscard.common.backups import BackupError, Database, back_up, default_path


class Command(BaseCommand):
    help = (
        "Back up the database while the service runs: PostgreSQL with pg_dump (custom format, "
        "-Fc; restore with `sscard restore` or pg_restore), the embedded SQLite database with "
        "SQLite's online backup API. Writes to --output (a file, or a directory), by default "
        "SSCARD_VAR_DIR/backups/sscard-<UTC time>.pgdump|.sqlite3; never overwrites a file. "
        "Prints the file written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            help=(
                "the file to write, or a directory to write it in, named by UTC time "
                "(default: SSCARD_VAR_DIR/backups/)"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            database = Database.from_settings(settings.DATABASES["default"])
            output: str | None = options["output"]
            if not output:
                target = default_path(Path(settings.VAR_DIR) / "backups", database)
            elif output.endswith("/") or Path(output).is_dir():
                target = default_path(Path(output), database)
            else:
                target = Path(output)
            written = back_up(database, target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(written))
