"""Matching an import's rows to contacts, and what a matched row does to its contact.

Which contact a row is (an existing one, one an earlier row of the chunk created, or a new
one) is decided by identity against the practice's contacts (``dedupe``), the chunk's
earlier rows included; the rules here then write the row's values on it.
"""

from __future__ import annotations

import datetime as dt

from contacts.dedupe import identity_neighbours
from contacts.dedupe_keys import KEY_INPUTS, KEY_NAMES, keys_of
from contacts.import_cleaning import CleanRow
from contacts.import_writer import NewContact
from contacts.models import Contact, LastOutcome
from reactivate.models import Practice

IMPORT_VIA = "import"

# A row's place in a chunk: (row, contact id or -n for the chunk's n-th new contact,
# the reason it matched, whether it matched a merged record).
Planned = tuple[CleanRow, int, str, bool]


def rows_match(practice: Practice, rows: list[CleanRow]) -> tuple[list[Planned], int]:
    """Which contact each of ``rows`` is; returns the plan and how many new contacts it
    needs (numbered -1, -2, ... in the plan)."""
    identities = [r.identity for r in rows]
    index = identity_neighbours(practice, identities)
    plan: list[Planned] = []
    new_count = 0
    for row, identity in zip(rows, identities, strict=True):
        match = index.match(identity)
        if match is None:
            new_count += 1
            contact_id, reason, merged = -new_count, "", False
        else:
            contact_id, reason, merged = match
        # What this row gives its contact (an EMR id, a phone, an email, a birth date) is
        # found by the chunk's later rows too: they become the same contact, never a
        # second live contact with the same EMR id.
        index.add(contact_id, identity, merged=merged)
        plan.append((row, contact_id, reason, merged))
    return plan, new_count


def row_apply(contact: Contact | NewContact, row: CleanRow, now: dt.datetime) -> bool:
    """Write a row's values onto a contact; returns whether anything changed.

    Values present in the row win, except: consent only ever tightens (an import never
    clears an opt-out or do-not-contact), and an invalid phone never replaces a valid one.
    The matching keys are the contact's own, derived again when a field they come from
    changes: the row's would be wrong for the fields it leaves blank (a new address and no
    postal code keeps the postal code, and the house key must read both).
    """
    changed = rekey = False
    for name, value in row.values.items():
        if value in ("", None) or name == "phone_valid" or name in KEY_NAMES:
            continue
        if (
            name in ("phone", "phone_raw", "phone_extension")
            and contact.phone_valid
            and not (row.values.get("phone_valid"))
        ):
            continue
        if name == "last_outcome" and value == LastOutcome.UNKNOWN:
            continue
        if name == "do_not_contact" and contact.do_not_contact:
            continue
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            changed = True
            rekey = rekey or name in KEY_INPUTS
    if rekey:
        for name, value in keys_of(contact).items():
            setattr(contact, name, value)
    if row.values.get("phone_valid") and not contact.phone_valid:
        contact.phone_valid = changed = True
    return opt_outs_record(contact, row, now) or changed


def opt_outs_record(contact: Contact | NewContact, row: CleanRow, now: dt.datetime) -> bool:
    """The row's opt-outs, on the channels the contact has not opted out of already (the
    first time is kept); returns whether any was recorded."""
    recorded = False
    for channel in row.opt_outs:
        if getattr(contact, f"{channel}_opt_out_at") is None:
            setattr(contact, f"{channel}_opt_out_at", now)
            setattr(contact, f"{channel}_opt_out_via", IMPORT_VIA)
            recorded = True
    return recorded


def row_fill(contact: NewContact, row: CleanRow, now: dt.datetime) -> None:
    """What ``row_apply`` does to a contact that has only its defaults (the first row of a
    contact a chunk creates, nine rows in ten), in one pass: every value the row has, and
    its opt-outs. The defaults are what a blank leaves, so no rule needs checking."""
    contact.__dict__.update(
        {name: value for name, value in row.values.items() if value is not None and value != ""}
    )
    opt_outs_record(contact, row, now)
