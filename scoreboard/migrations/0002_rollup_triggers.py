"""The triggers and functions that keep the rollups equal to the live data (PostgreSQL
only), and the rollups of the existing practices filled in. A separate migration so the
rollups' unique indexes exist before they are filled."""

from django.db import migrations

from scoreboard import rollup_sql


def install(apps, schema_editor):
    rollup_sql.install(schema_editor)


def uninstall(apps, schema_editor):
    rollup_sql.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("scoreboard", "0001_rollups")]

    operations = [migrations.RunPython(install, uninstall)]
