"""The migrations that recompute contacts' matching keys run on contacts as they were at
their point in history, with the key rules of that point (frozen in the migration), not
with the application's rules of today, whose keys the schema of that point lacks."""

from __future__ import annotations

import json

from tests.upgrades import scratch

# A database at contacts 0002 holding contacts whose blank first or last name gave the
# name key "|…" or "…|" before 0003; then migrated to 0003.
AT_0002_THEN_0003 = """
import datetime as dt
import json
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

executor = MigrationExecutor(connection)
executor.migrate([("contacts", "0002_contact_sms_unreachable")])
apps = MigrationExecutor(connection).loader.project_state(
    ("contacts", "0002_contact_sms_unreachable")).apps
Practice = apps.get_model("reactivate", "Practice")
Contact = apps.get_model("contacts", "Contact")
practice = Practice.objects.create(name="Harbor Dental", slug="harbor")
Contact.objects.create(practice=practice, first_name="", last_name="García",
                       date_of_birth=dt.date(1980, 3, 5), postal_code="10001",
                       address="12 Oak St.", name_key="|garcia", dob_key="1980-03-05|g")
Contact.objects.create(practice=practice, first_name="", last_name="", name_key="|",
                       dob_key="")
# More than the migration writes at a time (2,000).
Contact.objects.bulk_create(
    Contact(practice=practice, first_name="Ann", last_name="", name_key="ann|")
    for _ in range(2100)
)
MigrationExecutor(connection).migrate([("contacts", "0003_blank_name_key")])
with connection.cursor() as cursor:
    cursor.execute("SELECT last_name, name_key, dob_key, sound_key, addr_key "
                   "FROM contacts_contact ORDER BY id LIMIT 3")
    print(json.dumps(cursor.fetchall()))
"""


def test_0003_recomputes_blank_name_keys_with_the_rules_of_its_time():
    with scratch.database() as name:
        rows = json.loads(scratch.manage(name, code=AT_0002_THEN_0003).strip().splitlines()[-1])
    # 0.1.0's sound key: phonetic surname, phonetic first name, postal code.
    assert rows == [
        ["García", "|garcia", "1980-03-05|g", "KRX||10001", "10001|12 oak"],
        ["", "", "", "", ""],
        ["", "ann|", "", "", ""],
    ]
