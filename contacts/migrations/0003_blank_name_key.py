"""A blank name no longer has the name key "|" (which matched every other blank name):
recompute the matching keys of contacts with a blank first or last name."""

from django.db import migrations
from django.db.models import Q


def recompute(apps, schema_editor):
    from contacts.dedupe import matching_keys

    Contact = apps.get_model("contacts", "Contact")
    affected = Contact.objects.filter(
        Q(name_key="|") | Q(name_key__startswith="|") | Q(name_key__endswith="|")
    )
    batch = []
    for contact in affected.iterator(chunk_size=2000):
        keys = matching_keys(
            contact.first_name,
            contact.last_name,
            contact.date_of_birth,
            contact.postal_code,
            contact.address,
        )
        for name, value in keys.items():
            setattr(contact, name, value)
        batch.append(contact)
        if len(batch) >= 2000:
            Contact.objects.bulk_update(batch, list(keys))
            batch = []
    if batch:
        Contact.objects.bulk_update(batch, ["name_key", "dob_key", "sound_key", "addr_key"])


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_contact_sms_unreachable")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
