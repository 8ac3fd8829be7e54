"""A migration operation that makes PostgreSQL itself refuse UPDATE and DELETE on a table.

Used for the logs that are never rewritten (the audit trail, the outcome log), so not even
a raw SQL session or a bug below the ORM can change history.
"""

from __future__ import annotations

from django.db import migrations


def append_only(table: str) -> migrations.RunPython:
    function, trigger = f"{table}_refuse_change", f"{table}_append_only"

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{table} is append-only';
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {function}();
            """
        )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {trigger} ON {table}; DROP FUNCTION IF EXISTS {function}();"
        )

    return migrations.RunPython(forwards, backwards)
