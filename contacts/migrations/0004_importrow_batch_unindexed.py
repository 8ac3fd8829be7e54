"""Drop the index Django made for ``ImportRow.batch``: ``one_result_per_row`` (batch, row)
already leads with the batch, and the index was written for every report row an import
adds. Dropped concurrently, so not in a transaction. (A plain AlterField
would also drop and re-add the foreign key, which re-checks every row.)"""

import django.db.models.deletion
from django.db import migrations, models

INDEX, TABLE, COLUMN = "contacts_importrow_batch_id_d0bd757b", "contacts_importrow", "batch_id"


def drop(apps, schema_editor):
    quote = schema_editor.quote_name
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(INDEX)}")


def create(apps, schema_editor):
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {quote(INDEX)} "
        f"ON {quote(TABLE)} ({quote(COLUMN)})"
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("contacts", "0003_blank_name_key")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="importrow",
                    name="batch",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rows",
                        to="contacts.importbatch",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create, atomic=False)],
        ),
    ]
