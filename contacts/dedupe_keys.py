"""The stored keys a contact is matched and blocked on, derived from its name, birth date
and address (never typed). ``matching_keys`` is the one place they are computed; every
write of those fields (import cleaning, a merge, a merged record's row filling its
survivor, the test factory) stores what it returns.

``name_key`` is identity ("matching names"). The others are blocking keys: two contacts
are compared for being one person only when they share one. Each catches a kind of
corruption the others miss, and each is narrow enough that its blocks stay small
(``candidates.MAX_BLOCK`` leaves out any bigger), so the pairs per contact stay bounded however
long the list:

- ``dob_key``: birth date with the unordered initials (any typo after the first letters,
  first and last swapped), small even in a million contacts;
- ``birth_key``: birth date with day and month in order (so "03/04" and "04/03" agree),
  whatever the names: typo'd or nicknamed names of one birth date;
- ``year_key``: year of birth with the unordered initials: a wrong day or month;
- ``sound_key``: phonetic surname with phonetic first name, unordered (swapped names
  agree), with the postal code: a missing birth date with names that sound alike at one
  address area (``candidates.UNDATED_ONLY``: two contacts that both have a birth date are not
  paired by it; at a hundred thousand contacts it offered half of all pairs compared, and
  their birth dates or address put them in another block);
- ``last_sound_key``: phonetic surname with the first name's initial, and
  ``first_sound_key``: phonetic first name with the surname's initial, each with the birth
  day and month (in order): a typo in the other name that changes how it sounds, with a
  wrong birth year or address. Without the day and month these blocks held many namesakes
  (a common surname with a common initial), most pairs compared for little recall;
- ``house_key``: postal code with house number: a household, whatever the street's
  spelling (``addr_key``, postal code with house number and first street word, is what
  scoring calls "same address");
- ``street_key``: house number with the phonetic first street word: the same street with
  a typo in the postal code.

Blocks of a birth date, a house or a street pair two contacts only when they share an
initial, either way round (``candidates.INITIALED``): strangers born one day or living at
one number grow with the list, while one person filed twice keeps an initial.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from contacts import hygiene

PHONETIC_LENGTH = 5  # letters of a name's phonetic code kept in sound_key


def _dob_key(date_of_birth: dt.date | None, initials: str) -> str:
    return f"{date_of_birth.isoformat()}|{initials}" if date_of_birth else ""


def _initials_of(name_key: str) -> str:
    """The unordered initials ``matching_keys`` puts in ``dob_key``, from a name key."""
    first, _, last = name_key.partition("|")
    return "".join(sorted(first[:1] + last[:1]))


def street_key(address: str) -> str:
    """House number and first street word: "12 Oak St." and "12 oak street" agree."""
    parts = address.lower().replace(".", " ").split()
    return " ".join(parts[:2])


def _street_sound(address: str) -> str:
    """House number with the phonetic first street word: "12 Oak St" = "12 Oka Street"."""
    parts = address.lower().replace(".", " ").replace(",", " ").split()
    if len(parts) < 2 or not any(c.isdigit() for c in parts[0]):
        return ""
    word = hygiene.surname_key(parts[1])
    return f"{parts[0][:12]}|{word or parts[1][:8]}"


def _birth_key(date_of_birth: dt.date | None) -> str:
    if date_of_birth is None:
        return ""
    low, high = sorted((date_of_birth.month, date_of_birth.day))
    return f"{date_of_birth.year:04d}-{low:02d}-{high:02d}"


@lru_cache(maxsize=hygiene.CACHE_SIZE)
def _name_keys(first_name: str, last_name: str) -> tuple[str, str, str, str, str]:
    """name_key, unordered initials, the unordered phonetic names, phonetic surname with
    first initial, phonetic first name with last initial (the last three keys' name
    parts)."""
    first = hygiene.name_key(first_name, "")
    last = hygiene.name_key(last_name, "")
    initials = "".join(sorted(first[:1] + last[:1]))
    last_code = hygiene.surname_key(last_name)[:PHONETIC_LENGTH]
    first_code = hygiene.surname_key(first_name)[:PHONETIC_LENGTH]
    both = bool(last_code and first_code and first and last)
    return (
        hygiene.name_key(first_name, last_name)[:210],
        initials,
        "|".join(sorted((last_code, first_code))) if both else "",
        f"{last_code}|{first[:1]}" if both else "",
        f"{first_code}|{last[:1]}" if both else "",
    )


def _house_number(address: str) -> str:
    words = address.lower().replace(",", " ").split()
    return words[0][:12] if words and any(c.isdigit() for c in words[0]) else ""


def matching_keys(
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    postal_code: str,
    address: str,
) -> dict[str, str]:
    """The stored keys a contact is matched and blocked on (see the module's docstring)."""
    name_key, initials, sound, last_sound, first_sound = _name_keys(
        first_name or "", last_name or ""
    )
    house = _house_number(address or "")
    birth = _birth_key(date_of_birth)
    day_month = birth[5:]
    return {
        "name_key": name_key,
        "dob_key": _dob_key(date_of_birth, initials),
        "birth_key": birth,
        "year_key": f"{date_of_birth.year:04d}|{initials}" if date_of_birth and initials else "",
        "sound_key": f"{sound}|{postal_code}"[:40] if sound and postal_code else "",
        "last_sound_key": f"{last_sound}|{day_month}" if last_sound and day_month else "",
        "first_sound_key": f"{first_sound}|{day_month}" if first_sound and day_month else "",
        "addr_key": f"{postal_code}|{street_key(address)}"[:60] if postal_code and address else "",
        "house_key": f"{postal_code}|{house}"[:30] if postal_code and house else "",
        "street_key": _street_sound(address or ""),
    }


KEY_NAMES = tuple(matching_keys("", "", None, "", ""))
# The fields the keys are derived from, in ``matching_keys``'s order.
KEY_INPUTS = ("first_name", "last_name", "date_of_birth", "postal_code", "address")


def keys_of(contact) -> dict[str, str]:
    """The keys of a contact (or an import's new contact) as its fields stand now: what
    a write of any KEY_INPUTS field stores with it."""
    return matching_keys(
        contact.first_name or "",
        contact.last_name or "",
        contact.date_of_birth,
        contact.postal_code or "",
        contact.address or "",
    )
