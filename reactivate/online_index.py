"""Migration operations that build and drop indexes without holding writes on PostgreSQL
(``CREATE INDEX CONCURRENTLY``: touches, enrollments and messages are written all day),
and plainly on SQLite, the local default of ``bin/run``, which has no such thing.
A migration that uses them must set ``atomic = False``."""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations import AddIndex, RemoveIndex


def _online(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexOnline(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        base = AddIndexConcurrently if _online(schema_editor) else AddIndex
        base.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        base = AddIndexConcurrently if _online(schema_editor) else AddIndex
        base.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexOnline(RemoveIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        base = RemoveIndexConcurrently if _online(schema_editor) else RemoveIndex
        base.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        base = RemoveIndexConcurrently if _online(schema_editor) else RemoveIndex
        base.database_backwards(self, app_label, schema_editor, from_state, to_state)
