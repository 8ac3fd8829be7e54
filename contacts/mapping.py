"""Which column of an export holds which of our fields.

Headers are compared after folding case, spaces and punctuation, so "Pt First Name",
"PT_FIRST_NAME" and "pt first-name" are one header.
"""

from __future__ import annotations

import re

FIELDS: tuple[str, ...] = (
    "external_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "date_of_birth",
    "address",
    "city",
    "state",
    "postal_code",
    "last_outcome",
    "last_activity",
    "next_appointment",
    "treatment_interest",
    "quoted_amount",
    "preferred_language",
    "do_not_contact",
    "sms_opt_out",
    "email_opt_out",
    "notes",
)

# What the mapping form and the preview call each field: words a practice uses.
FIELD_LABELS = {
    "external_id": "EMR id",
    "first_name": "First name",
    "last_name": "Last name",
    "phone": "Phone",
    "email": "Email",
    "date_of_birth": "Date of birth",
    "address": "Address",
    "city": "City",
    "state": "State",
    "postal_code": "Postal code",
    "last_outcome": "Last outcome",
    "last_activity": "Last activity",
    "next_appointment": "Next appointment",
    "treatment_interest": "Treatment interest",
    "quoted_amount": "Quoted amount",
    "preferred_language": "Preferred language",
    "do_not_contact": "Do not contact",
    "sms_opt_out": "Text opt-out",
    "email_opt_out": "Email opt-out",
    "notes": "Notes",
}

# First synonym that matches wins; a header is used for at most one field.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "external id",
        "chart",
        "chart number",
        "chart no",
        "chart #",
        "patient id",
        "pt id",
        "mrn",
        "account",
        "account number",
        "acct",
        "patient number",
        "id",
    ),
    "first_name": (
        "first name",
        "first",
        "pt first name",
        "patient first name",
        "given name",
        "fname",
        "firstname",
    ),
    "last_name": (
        "last name",
        "last",
        "pt last name",
        "patient last name",
        "surname",
        "family name",
        "lname",
        "lastname",
    ),
    "phone": (
        "phone",
        "cell",
        "mobile",
        "cell phone",
        "mobile phone",
        "phone number",
        "cell number",
        "primary phone",
        "pt phone",
        "patient phone",
        "home phone",
        "telephone",
        "tel",
        "work phone",
        "contact number",
    ),
    "email": ("email", "e mail", "email address", "e mail address", "pt email", "patient email"),
    "date_of_birth": ("date of birth", "dob", "birth date", "birthdate", "birthday", "pt dob"),
    "address": (
        "address",
        "street",
        "street address",
        "address 1",
        "address1",
        "address line 1",
        "mailing address",
    ),
    "city": ("city", "town"),
    "state": ("state", "province", "st", "region"),
    "postal_code": ("postal code", "zip", "zip code", "zipcode", "postcode"),
    "last_outcome": (
        "last outcome",
        "last appt status",
        "last appointment status",
        "status",
        "appt status",
        "appointment status",
        "outcome",
        "lead status",
        "stage",
    ),
    "last_activity": (
        "last activity",
        "last visit",
        "last appt",
        "last appointment",
        "last appt date",
        "last contact",
        "last seen",
        "last visit date",
    ),
    "next_appointment": (
        "next appointment",
        "next appt",
        "next appt date",
        "next visit",
        "upcoming appointment",
    ),
    "treatment_interest": (
        "treatment interest",
        "treatment",
        "procedure",
        "service",
        "interest",
        "tx",
        "tx plan",
        "treatment plan",
        "service of interest",
    ),
    "quoted_amount": (
        "quoted amount",
        "quote",
        "amount",
        "tx amount",
        "plan amount",
        "treatment amount",
        "estimate",
        "value",
    ),
    "preferred_language": ("preferred language", "language", "lang"),
    "do_not_contact": ("do not contact", "dnc", "do not call", "no contact"),
    "sms_opt_out": ("sms opt out", "text opt out", "no text", "no sms", "sms optout"),
    "email_opt_out": ("email opt out", "no email", "email optout", "unsubscribed"),
    "notes": ("notes", "note", "comments", "comment", "remarks"),
}


def header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9#]+", " ", header.lower()).strip()


def mapping_guess(
    headers: list[str],
    *,
    fields: tuple[str, ...] = FIELDS,
    synonyms: dict[str, tuple[str, ...]] = HEADER_SYNONYMS,
) -> dict[str, str]:
    """Our field name → the file's header, for every field whose header we recognize.
    ``fields`` and ``synonyms``: another export's table (the schedule's appointment
    exports read theirs this way); the contacts import's by default."""
    by_key = {}
    for header in headers:
        by_key.setdefault(header_key(header), header)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field in fields:
        for synonym in synonyms.get(field, ()):
            header = by_key.get(header_key(synonym))
            if header is not None and header not in used:
                mapping[field] = header
                used.add(header)
                break
    return mapping


def mapping_merge(
    headers: list[str],
    given: dict[str, str] | None,
    *,
    fields: tuple[str, ...] = FIELDS,
    synonyms: dict[str, tuple[str, ...]] = HEADER_SYNONYMS,
) -> dict[str, str]:
    """The guessed mapping with ``given`` on top (a header given as "" means "not
    imported"); raises ValueError when ``given`` names a field or a column that is not
    there. What each export requires is its caller's check."""
    given = given or {}
    unknown_fields = sorted(set(given) - set(fields))
    if unknown_fields:
        raise ValueError(
            f"Unknown field(s) in mapping: {', '.join(unknown_fields)}. "
            f"Known fields: {', '.join(fields)}."
        )
    missing = sorted(header for header in given.values() if header and header not in headers)
    if missing:
        raise ValueError(f"Column(s) not in the file: {', '.join(missing)}.")
    taken = {header for header in given.values() if header}
    guessed = mapping_guess(headers, fields=fields, synonyms=synonyms)
    mapping = {field: header for field, header in guessed.items() if header not in taken}
    mapping.update({field: header for field, header in given.items() if header})
    for field, header in given.items():
        if not header:
            mapping.pop(field, None)  # explicitly "not imported"
    return mapping


def mapping_resolve(headers: list[str], given: dict[str, str] | None) -> dict[str, str]:
    """The guessed mapping with ``given`` on top; raises ValueError with a clear message."""
    mapping = mapping_merge(headers, given)
    if not ({"first_name", "last_name"} & mapping.keys()):
        raise ValueError("Map at least a first or last name column.")
    if not ({"phone", "email", "external_id"} & mapping.keys()):
        raise ValueError("Map at least a phone, email or EMR id column.")
    return mapping


_KNOWN_HEADERS = frozenset(header_key(s) for synonyms in HEADER_SYNONYMS.values() for s in synonyms)


def header_matches(cells: list[str]) -> int:
    """How many of ``cells`` name a column we know: how much a row looks like a header."""
    return sum(header_key(cell) in _KNOWN_HEADERS for cell in cells if len(cell) < 100)
