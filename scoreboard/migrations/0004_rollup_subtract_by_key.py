"""The refresh functions subtract from the rollups through their unique key."""

from django.db import migrations

from scoreboard import rollup_sql


def install(apps, schema_editor):
    rollup_sql.functions_install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("scoreboard", "0003_lost_reasons")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
