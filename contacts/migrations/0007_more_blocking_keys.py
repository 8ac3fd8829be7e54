"""More blocking keys for duplicate candidates (issue 19.2): birth_key (birth date with day
and month in order), year_key (year of birth with initials), last_sound_key and
first_sound_key (one name's phonetic code with the other's initial and the birth day and
month in order), house_key (postal code with house number) and street_key (house number
with the phonetic street word); sound_key reads first and last names either way round
(still followed by the postal code). The index on addr_key goes: no query looks contacts
up by it any more. Existing contacts get their keys here, computed by a frozen copy of
``contacts.dedupe_keys`` as it was when this migration was written (a migration never
runs application code that can change): birth_key and year_key in SQL, the others in
batches of ids (metaphone has no SQL twin that agrees with jellyfish's)."""

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


def _house_key(postal_code, address):
    words = (address or "").lower().replace(",", " ").split()
    if not (postal_code and words and any(c.isdigit() for c in words[0])):
        return ""
    return f"{postal_code}|{words[0][:12]}"[:30]


def _street_key(address):
    parts = (address or "").lower().replace(".", " ").replace(",", " ").split()
    if len(parts) < 2 or not any(c.isdigit() for c in parts[0]):
        return ""
    word = _phonetic(parts[1])
    return f"{parts[0][:12]}|{word or parts[1][:8]}"


def backfill(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        # dob_key is "birth date|unordered initials" already.
        cursor.execute(
            """
            UPDATE contacts_contact SET
                birth_key = to_char(date_of_birth, 'YYYY') || '-'
                    || lpad(least(extract(month FROM date_of_birth),
                                  extract(day FROM date_of_birth))::int::text, 2, '0') || '-'
                    || lpad(greatest(extract(month FROM date_of_birth),
                                     extract(day FROM date_of_birth))::int::text, 2, '0'),
                year_key = CASE WHEN split_part(dob_key, '|', 2) <> ''
                    THEN to_char(date_of_birth, 'YYYY') || '|' || split_part(dob_key, '|', 2)
                    ELSE '' END
            WHERE date_of_birth IS NOT NULL
            """
        )
        last = 0
        while True:
            cursor.execute(
                "SELECT id, first_name, last_name, date_of_birth, address, postal_code "
                "FROM contacts_contact WHERE id > %s ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            names = [name_keys(row[1], row[2], row[3], row[5]) for row in rows]
            cursor.execute(
                """
                UPDATE contacts_contact c SET sound_key = k.sound, last_sound_key = k.last_sound,
                    first_sound_key = k.first_sound, house_key = k.house, street_key = k.street
                FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[],
                            %s::text[]) AS k(id, sound, last_sound, first_sound, house, street)
                WHERE c.id = k.id
                """,
                [
                    [row[0] for row in rows],
                    [n[0] for n in names],
                    [n[1] for n in names],
                    [n[2] for n in names],
                    [_house_key(row[5], row[4]) for row in rows],
                    [_street_key(row[4]) for row in rows],
                ],
            )


class Migration(migrations.Migration):
    dependencies = [("contacts", "0006_consent_event")]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="birth_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=10),
        ),
        migrations.AddField(
            model_name="contact",
            name="year_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=8),
        ),
        migrations.AddField(
            model_name="contact",
            name="last_sound_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=16),
        ),
        migrations.AddField(
            model_name="contact",
            name="first_sound_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=16),
        ),
        migrations.AddField(
            model_name="contact",
            name="house_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=30),
        ),
        migrations.AddField(
            model_name="contact",
            name="street_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=30),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["practice", "birth_key"],
                name="contact_birth_key",
                condition=~models.Q(birth_key=""),
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["practice", "year_key"],
                name="contact_year_key",
                condition=~models.Q(year_key=""),
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["practice", "last_sound_key"],
                name="contact_last_sound_key",
                condition=~models.Q(last_sound_key=""),
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["practice", "first_sound_key"],
                name="contact_first_sound_key",
                condition=~models.Q(first_sound_key=""),
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["practice", "house_key"],
                name="contact_house_key",
                condition=~models.Q(house_key=""),
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["practice", "street_key"],
                name="contact_street_key",
                condition=~models.Q(street_key=""),
            ),
        ),
        # addr_key is no longer a block (house_key is): scoring compares it in Python,
        # and no query looks contacts up by it.
        migrations.RemoveIndex(model_name="contact", name="contact_addr_key"),
        # After the indexes: the contacts table has deferred triggers, and an index cannot be
        # built in a transaction holding their pending events.
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
