"""A merged record's rows in later imports: they update the contact it was merged into.

A practice's weekly export still holds both charts of a person someone merged, so every
re-import brings the merged record's row back. ``contacts.dedupe.identity_neighbours``
leads that row to the survivor; this module decides what it may change there. The merge
chose the survivor's values (its name and EMR id; its phone and email where both had
one), so the row changes the survivor as the merge did: it fills what the survivor lacks
and consent only tightens. It never overwrites a value the survivor has, or every
re-import would undo part of what a person decided (the name would flip back to the
spelling they merged away, the phone to the other chart's).
"""

from __future__ import annotations

from typing import Any

from contacts.dedupe import FILLABLE
from contacts.dedupe_keys import keys_of
from contacts.models import Contact, LastOutcome

# Filled as a whole or not at all: a number as typed goes with its E.164 form, its
# extension and whether it is valid (an address as typed with its normalized form).
GROUPS = (
    ("phone_raw", "phone", "phone_extension", "phone_valid"),
    ("email_raw", "email", "email_valid"),
)
# What the merge fills one by one, less the survivor's identity (the merge decided it)
# and what a file never carries.
SINGLE = tuple(
    name
    for name in FILLABLE
    if name not in {"external_id", "first_name", "last_name", "assigned_to_id"}
    and not any(name in group for group in GROUPS)
)
# What the blocking keys are made of (``matching_keys``).
KEYED = ("date_of_birth", "postal_code", "address")


def survivor_fill(contact: Contact, values: dict[str, Any]) -> bool:
    """Write a merged record's row (its cleaned ``values``) onto its survivor: blanks
    filled, do-not-contact set if the row says so. Opt-outs are the caller's, recorded as
    for any row. Returns whether anything changed."""
    changed: set[str] = set()
    for group in GROUPS:
        if not any(getattr(contact, name) for name in group) and values.get(group[0]):
            for name in group:
                setattr(contact, name, values[name])  # cleaning gives a mapped group whole
            changed.update(group)
    for name in SINGLE:
        value = values.get(name)
        if value not in ("", None) and getattr(contact, name) in ("", None):
            setattr(contact, name, value)
            changed.add(name)
    outcome = values.get("last_outcome", LastOutcome.UNKNOWN)
    if contact.last_outcome == LastOutcome.UNKNOWN and outcome != LastOutcome.UNKNOWN:
        contact.last_outcome = outcome
        contact.last_outcome_raw = values.get("last_outcome_raw", "")
        changed.add("last_outcome")
    if values.get("do_not_contact") and not contact.do_not_contact:
        contact.do_not_contact = True
        contact.do_not_contact_reason = values.get("do_not_contact_reason", "")
        changed.add("do_not_contact")
    if changed.intersection(KEYED):
        for name, value in keys_of(contact).items():
            setattr(contact, name, value)
    return bool(changed)
