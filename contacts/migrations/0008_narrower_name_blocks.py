"""Narrower name blocks (issue 19.2): sound_key holds the postal code again (after the
phonetic names, in either order), and last_sound_key and first_sound_key hold the birth
day and month (in order) after the phonetic name and initial: without them, those blocks
held many namesakes and the import compared seven times as many pairs for 1% of recall.
The index on addr_key goes: no query looks contacts up by it any more.
Existing contacts' three keys are recomputed here by a frozen copy of
``contacts.dedupe_keys`` as it was when this migration was written (a migration never runs
application code that can change), in batches of ids."""

import unicodedata

import jellyfish
from django.db import migrations, models

BATCH = 5000
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


def _phonetic(name):
    ascii_letters = "".join(c for c in _fold(name or "") if c.isascii() and c.isalpha())
    return jellyfish.metaphone(ascii_letters) if ascii_letters else ""


def _letters(text):
    return "".join(c for c in _fold(text or "").casefold() if c.isalpha())


def name_keys(first_name, last_name, date_of_birth, postal_code):
    """(sound_key, last_sound_key, first_sound_key)."""
    first, last = _letters(first_name), _letters(last_name)
    last_code, first_code = _phonetic(last_name)[:5], _phonetic(first_name)[:5]
    if not (last_code and first_code and first and last):
        return "", "", ""
    sound = "|".join(sorted((last_code, first_code)))
    day_month = ""
    if date_of_birth is not None:
        low, high = sorted((date_of_birth.month, date_of_birth.day))
        day_month = f"{low:02d}-{high:02d}"
    return (
        f"{sound}|{postal_code}"[:40] if postal_code else "",
        f"{last_code}|{first[:1]}|{day_month}" if day_month else "",
        f"{first_code}|{last[:1]}|{day_month}" if day_month else "",
    )


def recompute(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        last = 0
        while True:
            cursor.execute(
                "SELECT id, first_name, last_name, date_of_birth, postal_code "
                "FROM contacts_contact WHERE id > %s ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            keys = [name_keys(*row[1:]) for row in rows]
            cursor.execute(
                """
                UPDATE contacts_contact c SET sound_key = k.sound,
                    last_sound_key = k.last_sound, first_sound_key = k.first_sound
                FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[])
                    AS k(id, sound, last_sound, first_sound)
                WHERE c.id = k.id
                """,
                [
                    [row[0] for row in rows],
                    [k[0] for k in keys],
                    [k[1] for k in keys],
                    [k[2] for k in keys],
                ],
            )


class Migration(migrations.Migration):
    dependencies = [("contacts", "0007_more_blocking_keys")]

    operations = [
        migrations.AlterField(
            model_name="contact",
            name="first_sound_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=16),
        ),
        migrations.AlterField(
            model_name="contact",
            name="last_sound_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=16),
        ),
        # addr_key is no longer a block (house_key is): scoring compares it in Python,
        # and no query looks contacts up by it.
        migrations.RemoveIndex(model_name="contact", name="contact_addr_key"),
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
