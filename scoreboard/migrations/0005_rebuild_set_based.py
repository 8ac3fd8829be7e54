"""A practice's rollups rebuilt set-based (one INSERT ... SELECT per fact table, the
rollups counted from the facts), and a new time zone recorded as a pending rebuild
(``RollupRebuild``) instead of rebuilt inside the statement that changed it: the rebuild
runs as a task (``scoreboard.tasks.scoreboard_rebuild``).

Frozen: the SQL is in ``sql/`` beside this file. Backwards, 0004's functions and its
time-zone trigger come back.
"""

from pathlib import Path

from django.db import migrations, models

SQL = Path(__file__).parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("scoreboard", "0004_rollup_subtract_by_key")]

    operations = [
        migrations.CreateModel(
            name="RollupRebuild",
            fields=[
                ("practice_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("time_zone", models.CharField(max_length=63)),
                ("requested_at", models.DateTimeField()),
                ("started_at", models.DateTimeField(null=True)),
                ("step", models.SmallIntegerField(default=0)),
                ("finished_at", models.DateTimeField(null=True)),
            ],
            options={"abstract": False},
        ),
        migrations.RunSQL(
            [(SQL / "0005_rebuild_set_based.sql").read_text()],
            reverse_sql=[
                (SQL / "0005_rebuild_set_based_reverse.sql").read_text(),
                (SQL / "0004_rollup_subtract_by_key.sql").read_text(),
            ],
        ),
    ]
