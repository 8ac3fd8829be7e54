"""The database itself refuses to change an appointment's history (a row is a version as
it was read). Deleting stays possible, for a practice that is removed.

The SQL is frozen here (a later change is a new migration)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION schedule_appointmentchange_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'schedule_appointmentchange is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER schedule_appointmentchange_append_only
    BEFORE UPDATE ON schedule_appointmentchange
    FOR EACH ROW EXECUTE FUNCTION schedule_appointmentchange_refuse_update();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS schedule_appointmentchange_append_only ON schedule_appointmentchange;
DROP FUNCTION IF EXISTS schedule_appointmentchange_refuse_update();
"""


class Migration(migrations.Migration):
    dependencies = [("schedule", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
