"""The rebuild's stakes step looks up each contact's decided enrollments through the
contact's own index, not the index on state, whatever statistics the planner has (without
them, right after a bulk load or a restore, it took the other path: over ten minutes at 1M
contacts).

Frozen: the SQL is in ``sql/`` beside this file.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("scoreboard", "0005_rebuild_set_based")]

    operations = [
        migrations.RunSQL(
            [(SQL / "0006_rebuild_stakes_by_contact.sql").read_text()],
            # 0005's text is all CREATE OR REPLACE / IF EXISTS: run again, it is 0005.
            reverse_sql=[(SQL / "0005_rebuild_set_based.sql").read_text()],
        )
    ]
