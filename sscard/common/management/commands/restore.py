"""`sscard restore FILE [--force]`: load a backup made by `sscard backup` into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from sscard.common.backups import BackupError, Database, check_restorable, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `sscard backup` into the database DATABASE_URL points at "
        "(a new SQLite file, or a new PostgreSQL database made with createdb). Refuses a "
        "database that has any table unless --force. Stop the web server and the worker first; "
        "then `sscard migrate` (when this code is newer than the backup) and "
        "`sscard audit verify`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a backup written by `sscard backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace what a database that is not empty holds",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            database = Database.from_settings(settings.DATABASES["default"])
            tables = bool(connection.introspection.table_names())
            check_restorable(database, options["file"], has_tables=tables, force=options["force"])
            connection.close()  # SQLite: the file is written through another connection
            restore(database, options["file"], clean=tables)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {options['file']} into the {database.describe()}")
