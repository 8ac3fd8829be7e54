"""The statement triggers' refreshes reach every row through the ids they were given (one
index scan over a sorted array of keys) and no other index, whatever statistics the
planner has: their plans had gone quadratic in the rows of one statement (a sync's page
of 2,000 enrollments took seconds where 250 took 40 ms), most of all on tables without
statistics yet.

Frozen: the SQL is in ``sql/`` beside this file. Backwards, the texts of 0004, 0005 and
0006 run again in turn (each is CREATE OR REPLACE / IF EXISTS), which leaves what 0006
left, and the helper this one added is dropped.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("scoreboard", "0006_rebuild_stakes_by_contact")]

    operations = [
        migrations.RunSQL(
            [(SQL / "0007_refresh_by_key.sql").read_text()],
            reverse_sql=[
                (SQL / "0004_rollup_subtract_by_key.sql").read_text(),
                (SQL / "0005_rebuild_set_based.sql").read_text(),
                (SQL / "0006_rebuild_stakes_by_contact.sql").read_text(),
                "DROP FUNCTION IF EXISTS scoreboard_keys(bigint[]);",
            ],
        )
    ]
