"""A blank name no longer has the name key "|" (which matched every other blank name):
recompute the matching keys of contacts with a blank first or last name.

The keys are computed by a frozen copy of the rules of release 0.1.0, which shipped this
migration (``contacts.dedupe.matching_keys`` then): a migration never runs application
code that can change. It first called the live function, whose later keys (``birth_key``
and others, added by 0007) the schema of this point lacks: more than 2,000 such contacts
stopped it with a KeyError. The values it writes are what 0.1.0 wrote."""

import unicodedata

import jellyfish
from django.db import migrations
from django.db.models import Q

BATCH = 2000
FIELDS = ["name_key", "dob_key", "sound_key", "addr_key"]
# Letters NFKD does not split into base letter + accent.
_FOLD = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "æ": "ae",
        "Æ": "AE",
        "\u0131": "i",
    }
)


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _letters(text):
    return "".join(c for c in _fold(text).casefold() if c.isalpha())


def _name_key(first, last):
    first, last = _letters(first or ""), _letters(last or "")
    return f"{first}|{last}" if first or last else ""


def _surname_key(last):
    ascii_letters = "".join(c for c in _fold(last or "") if c.isascii() and c.isalpha())
    return jellyfish.metaphone(ascii_letters) if ascii_letters else ""


def matching_keys(first_name, last_name, date_of_birth, postal_code, address):
    first_name, last_name = first_name or "", last_name or ""
    first = _name_key(first_name, "")
    last = _name_key(last_name, "")
    initials = "".join(sorted(first[:1] + last[:1]))
    surname = _surname_key(last_name)
    first_sound = jellyfish.metaphone(first.strip("|"))[:4]
    street = " ".join(address.lower().replace(".", " ").split()[:2])
    return {
        "name_key": _name_key(first_name, last_name)[:210],
        "dob_key": f"{date_of_birth.isoformat()}|{initials}" if date_of_birth else "",
        "sound_key": f"{surname}|{first_sound}|{postal_code}"[:40]
        if surname and postal_code
        else "",
        "addr_key": f"{postal_code}|{street}"[:60] if postal_code and address else "",
    }


def recompute(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    affected = Contact.objects.filter(
        Q(name_key="|") | Q(name_key__startswith="|") | Q(name_key__endswith="|")
    )
    batch = []
    for contact in affected.iterator(chunk_size=BATCH):
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
        if len(batch) >= BATCH:
            Contact.objects.bulk_update(batch, FIELDS)
            batch = []
    if batch:
        Contact.objects.bulk_update(batch, FIELDS)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_contact_sms_unreachable")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
