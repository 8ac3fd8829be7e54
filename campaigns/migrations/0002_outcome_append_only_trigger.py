"""The database itself refuses UPDATE and DELETE on the outcome log.

The SQL is frozen here (a later change is a new migration)."""

from django.db import migrations

# As release 0.1.0 ran it, indentation included (it is the stored function body).
FORWARD = """
            CREATE OR REPLACE FUNCTION campaigns_outcome_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'campaigns_outcome is append-only';
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER campaigns_outcome_append_only BEFORE UPDATE OR DELETE ON campaigns_outcome
                FOR EACH ROW EXECUTE FUNCTION campaigns_outcome_refuse_change();
            """

BACKWARD = """
DROP TRIGGER IF EXISTS campaigns_outcome_append_only ON campaigns_outcome;
DROP FUNCTION IF EXISTS campaigns_outcome_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
