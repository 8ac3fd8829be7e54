"""An import's duplicate candidates are found once each chunk has committed, on a
connection of their own (``contacts.import_candidates``); ``candidates_through`` is the
row up to which they are. Batches imported before this found each chunk's candidates in
the chunk's own transaction, so theirs are found up to their last applied row (frozen
SQL: no application code)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0007_more_blocking_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="candidates_through",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunSQL(
            "UPDATE contacts_importbatch SET candidates_through = last_row",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
