"""The refresh functions subtract from the rollups through their unique key.

Frozen: the SQL is the text this migration ran when it landed (commit a4b43d5), kept in
``sql/`` beside it. Backwards, 0003's functions come back.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("scoreboard", "0003_lost_reasons")]
    operations = [
        migrations.RunSQL(
            [(SQL / "0004_rollup_subtract_by_key.sql").read_text()],
            reverse_sql=[(SQL / "0002_rollup_functions.sql").read_text()],
        )
    ]
