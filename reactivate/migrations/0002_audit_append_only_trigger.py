"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit trail."""

from django.db import migrations

from reactivate.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("reactivate", "0001_initial")]
    operations = [append_only("reactivate_auditevent")]
