"""On PostgreSQL the database itself refuses UPDATE and DELETE on the outcome log."""

from django.db import migrations

from reactivate.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]
    operations = [append_only("campaigns_outcome")]
