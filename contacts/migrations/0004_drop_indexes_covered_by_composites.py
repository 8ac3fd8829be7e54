"""Drop two indexes Django made for foreign keys that composite indexes already lead with:
``contacts_contact.practice_id`` (every index of contacts starts with the practice) and
``contacts_importrow.batch_id`` (``one_result_per_row`` starts with the batch). Each is
written for every row an import adds and read by nothing the composites do not serve.

Dropped concurrently on PostgreSQL (contacts are written all day), so not in a
transaction. A plain AlterField would also drop and re-add the foreign keys, which
re-checks every row."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "contacts_contact_practice_id_9f9df71d": ("contacts_contact", "practice_id"),
    "contacts_importrow_batch_id_d0bd757b": ("contacts_importrow", "batch_id"),
}


def _concurrently(schema_editor) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def drop(apps, schema_editor):
    for name in INDEXES:
        quoted = schema_editor.quote_name(name)
        schema_editor.execute(f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {quoted}")


def create(apps, schema_editor):
    quote = schema_editor.quote_name
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX{_concurrently(schema_editor)} IF NOT EXISTS {quote(name)} "
            f"ON {quote(table)} ({quote(column)})"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contacts", "0003_blank_name_key"),
        ("reactivate", "0003_practice_attribution_window_days"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="practice",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contacts",
                        to="reactivate.practice",
                    ),
                ),
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
