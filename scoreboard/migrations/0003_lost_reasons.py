"""Lost reasons in the rollups (``LostFact``), then the rollups of every practice filled.

Frozen: the functions are installed again from the same text as 0002 (what this migration
ran when it landed, commit 5134a61) and the fill is the statement it ran. On a new
database the fill has nothing to do; on a database coming from 0001 it fills every
practice (see 0002).
"""

from pathlib import Path

from django.db import migrations, models

SQL = Path(__file__).parent / "sql"


class Migration(migrations.Migration):
    dependencies = [
        ("scoreboard", "0002_rollup_triggers"),
    ]

    operations = [
        migrations.CreateModel(
            name="LostFact",
            fields=[
                ("outcome_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("enrollment_id", models.BigIntegerField()),
                ("practice_id", models.BigIntegerField()),
                ("at", models.DateTimeField()),
                ("reason_category", models.CharField(max_length=20)),
                ("has_words", models.BooleanField()),
                ("campaign_id", models.BigIntegerField()),
                ("bucket", models.CharField(max_length=20)),
                ("coordinator_id", models.BigIntegerField(null=True)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["practice_id", "at"], name="sb_lost_at"),
                    models.Index(fields=["enrollment_id"], name="sb_lost_enrollment"),
                ],
            },
        ),
        # Backwards, the functions stay as 0002 left them (the same text): nothing to undo,
        # and the filled rows go with the rollups' own tables or are refilled by this fill.
        migrations.RunSQL(
            [
                (SQL / "0002_rollup_functions.sql").read_text(),
                "SELECT scoreboard_rebuild(id) FROM reactivate_practice",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
