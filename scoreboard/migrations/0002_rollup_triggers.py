"""The triggers and functions that keep the rollups equal to the live data. A separate
migration so the rollups' unique indexes exist before anything writes them.

Frozen: the SQL is the text this migration ran when it landed (commit 5134a61), kept in
``sql/`` beside it; nothing here imports application code. It no longer fills the rollups:
its functions read ``scoreboard_lostfact``, which 0003 creates, so a database at 0001 that
held a practice could not get past here. 0003 fills them once that table exists (a
database that applied this migration before held no practice, or it could not have).
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("scoreboard", "0001_rollups")]

    operations = [
        migrations.RunSQL(
            [(SQL / "0002_rollup_functions.sql").read_text()],
            reverse_sql=[(SQL / "0002_rollup_functions_reverse.sql").read_text()],
        )
    ]
