"""Migration operations that keep a large province writing while its schema changes.

`AddIndexConcurrently`: on PostgreSQL the index is built with CREATE INDEX CONCURRENTLY, so
loss reports and card updates go on while tens of millions of cards are indexed (a plain
CREATE INDEX blocks every write to the table until it is done); on SQLite, the embedded
database of one machine, it is a plain CREATE INDEX. A migration using it sets `atomic = False`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres import operations as postgres
from django.db.migrations import AddIndex


class AddIndexConcurrently(postgres.AddIndexConcurrently):
    @staticmethod
    def _operation(schema_editor: Any) -> type[AddIndex]:
        """Whose way of building and dropping the index this database takes."""
        if schema_editor.connection.vendor == "postgresql":
            return postgres.AddIndexConcurrently
        return AddIndex

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        operation = self._operation(schema_editor)
        operation.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        operation = self._operation(schema_editor)
        operation.database_backwards(self, app_label, schema_editor, from_state, to_state)
