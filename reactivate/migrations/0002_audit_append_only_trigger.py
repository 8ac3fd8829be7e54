"""The database itself refuses UPDATE and DELETE on the audit trail.

The SQL is frozen here (a later change is a new migration)."""

from django.db import migrations

# As release 0.1.0 ran it, indentation included (it is the stored function body).
FORWARD = """
            CREATE OR REPLACE FUNCTION reactivate_auditevent_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'reactivate_auditevent is append-only';
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER reactivate_auditevent_append_only BEFORE UPDATE OR DELETE ON reactivate_auditevent
                FOR EACH ROW EXECUTE FUNCTION reactivate_auditevent_refuse_change();
            """

BACKWARD = """
DROP TRIGGER IF EXISTS reactivate_auditevent_append_only ON reactivate_auditevent;
DROP FUNCTION IF EXISTS reactivate_auditevent_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("reactivate", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
