"""Migration operations that build and drop indexes without holding writes on PostgreSQL
(``CREATE INDEX CONCURRENTLY``: touches, enrollments and messages are written all day),
and plainly on SQLite, the local default of ``bin/run``, which has no such thing.
A migration that uses them must set ``atomic = False``."""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations import AddIndex, RemoveIndex


class _Online:
    """Runs the concurrent operation on PostgreSQL and the plain one elsewhere."""

    online: type
    plain: type

    def _base(self, schema_editor) -> type:
        return self.online if schema_editor.connection.vendor == "postgresql" else self.plain

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._base(schema_editor).database_forwards(
            self, app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._base(schema_editor).database_backwards(
            self, app_label, schema_editor, from_state, to_state
        )


class AddIndexOnline(_Online, AddIndexConcurrently):
    online, plain = AddIndexConcurrently, AddIndex


class RemoveIndexOnline(_Online, RemoveIndexConcurrently):
    online, plain = RemoveIndexConcurrently, RemoveIndex
