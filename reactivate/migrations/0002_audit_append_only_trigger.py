"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit trail."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION reactivate_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reactivate_auditevent_append_only
    BEFORE UPDATE OR DELETE ON reactivate_auditevent
    FOR EACH ROW EXECUTE FUNCTION reactivate_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS reactivate_auditevent_append_only ON reactivate_auditevent;
DROP FUNCTION IF EXISTS reactivate_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("reactivate", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
