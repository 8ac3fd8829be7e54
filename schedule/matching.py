"""Which contact an appointment's patient is (DESIGN §4's identity rules).

The practice system's patient id as the contact's EMR id first; otherwise same phone or
email and matching names, or matching names and birth date. A shared phone or email alone
never matches: family members share them. The import's identity index does the looking
up, so an appointment finds a patient exactly as a re-import of that patient would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from contacts.dedupe import Identity, identity_neighbours
from contacts.hygiene import email_normalize, name_key
from contacts.phones import phone_normalize
from reactivate.models import Practice
from schedule.records import PatientRef

NO_PATIENT_NAMED = "The appointment names no patient (no EMR id, name or contact details)."
NOT_FOUND_BY_ID = (
    "No patient has this EMR id, and no name with a birth date, phone or email agrees."
)
NOT_FOUND = "No patient's name agrees with a birth date, phone or email given."


class Found(NamedTuple):
    contact_id: int | None
    note: str  # how it was found, or why not


def identity_of(ref: PatientRef, practice: Practice) -> Identity:
    phone = (
        phone_normalize(ref.phone, country=practice.country, area_code=practice.default_area_code)
        if ref.phone
        else None
    )
    email = email_normalize(ref.email) if ref.email else None
    return Identity(
        external_id=ref.external_id.strip(),
        name_key=name_key(ref.first_name, ref.last_name),
        phone=(phone.e164 if phone and phone.valid else ""),
        email=(email.normalized if email and email.valid else ""),
        date_of_birth=ref.date_of_birth,
    )


def patients_find(practice: Practice, refs: Sequence[PatientRef]) -> list[Found]:
    """The contact each of ``refs`` is (one lookup for all of them), in order."""
    identities = [identity_of(ref, practice) for ref in refs]
    index = identity_neighbours(practice, identities)
    found = []
    for who in identities:
        match = index.match(who)
        if match is not None:
            found.append(Found(match.contact_id, match.reason))
        elif not (who.external_id or who.name_key or who.phone or who.email):
            found.append(Found(None, NO_PATIENT_NAMED))
        else:
            found.append(Found(None, NOT_FOUND_BY_ID if who.external_id else NOT_FOUND))
    return found
