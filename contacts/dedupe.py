"""Family-safe duplicate handling (DESIGN §4).

Family members share phones and emails, so a shared contact point alone never merges two
patients. Identity — the same EMR id; or the same phone or email *and* matching names; or
matching names *and* birth date — merges automatically. Anything weaker becomes a
``DuplicateCandidate`` for a person (``contacts.candidates``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.forms.models import model_to_dict
from django.utils import timezone

from contacts.dedupe_keys import (
    _dob_key,
    _initials_of,
    keys_of,
    matching_keys,  # noqa: F401 - landed contacts 0003 imports it here
)
from contacts.history import history_move
from contacts.models import (
    CandidateStatus,
    Contact,
    ContactMerge,
    DuplicateCandidate,
)
from reactivate.models import Practice

IDENTITY_FIELDS = ("id", "external_id", "name_key", "phone", "email", "date_of_birth")


@dataclass(frozen=True, slots=True)
class Identity:
    """The parts of a person that identify them, for a row or a stored contact."""

    external_id: str
    name_key: str
    phone: str
    email: str
    date_of_birth: dt.date | None


class Match(NamedTuple):
    """The contact a row's identity is, and why."""

    contact_id: int
    reason: str
    # Found by the identity of a record merged into the contact (the row is that record's).
    through_merged: bool = False


class _Keys:
    """One layer of identity keys, each to the contact it leads to."""

    __slots__ = ("by_email_name", "by_external_id", "by_name_dob", "by_phone_name")

    def __init__(self) -> None:
        self.by_external_id: dict[str, int] = {}
        self.by_phone_name: dict[tuple[str, str], int] = {}
        self.by_email_name: dict[tuple[str, str], int] = {}
        self.by_name_dob: dict[tuple[str, dt.date], int] = {}


class IdentityIndex:
    """Identity lookups over a set of contacts (one import chunk's neighbourhood).

    An import adds each row's identity under the contact the row became, so a later row
    of the same chunk finds that contact by whatever the earlier row gave it (an EMR id
    above all: two live contacts never share one).

    Records merged into another keep leading to it: their identities are a second layer,
    under their survivor, looked at after the live contacts' for each rule. Without it a
    re-import of the same export brought every merged record back as a new contact."""

    def __init__(self) -> None:
        self.live = _Keys()
        self.merged = _Keys()
        self.external_id_of: dict[int, str] = {}

    def add(self, contact_id: int, who: Identity, *, merged: bool = False) -> None:
        """``who`` leads to ``contact_id``; ``merged``: it is the identity of a record
        merged into that contact, whose own EMR id the caller records (``chart``)."""
        keys = self.merged if merged else self.live
        if who.external_id:
            keys.by_external_id.setdefault(who.external_id, contact_id)
            if not merged:
                self.chart(contact_id, who.external_id)
        if not who.name_key:
            return
        if who.phone:
            keys.by_phone_name.setdefault((who.phone, who.name_key), contact_id)
        if who.email:
            keys.by_email_name.setdefault((who.email, who.name_key), contact_id)
        if who.date_of_birth:
            keys.by_name_dob.setdefault((who.name_key, who.date_of_birth), contact_id)

    def chart(self, contact_id: int, external_id: str) -> None:
        """A contact keeps the first EMR id it is known by (an import never gives a
        contact a second one: ``match`` refuses rows with another)."""
        if external_id and not self.external_id_of.get(contact_id):
            self.external_id_of[contact_id] = external_id

    def match(self, who: Identity) -> Match | None:
        """The contact this identity is, and why; None when no identity agrees."""
        layers = ((self.live, False), (self.merged, True))
        if who.external_id:
            for keys, merged in layers:
                if (contact_id := keys.by_external_id.get(who.external_id)) is not None:
                    return _match(contact_id, "same EMR id", merged)
        if not who.name_key:
            return None  # names are part of every other rule: no name, no identity
        for key, index, reason in (
            ((who.phone, who.name_key), "by_phone_name", "same phone and name"),
            ((who.email, who.name_key), "by_email_name", "same email and name"),
            ((who.name_key, who.date_of_birth), "by_name_dob", "same name and birth date"),
        ):
            if not (key[0] and key[1]):
                continue
            for keys, merged in layers:
                contact_id = getattr(keys, index).get(key)
                if contact_id is None:
                    continue
                # Two different EMR ids are two different charts: never one person.
                theirs = self.external_id_of.get(contact_id, "")
                if who.external_id and theirs and theirs != who.external_id:
                    continue
                return _match(contact_id, reason, merged)
        return None


def _match(contact_id: int, reason: str, merged: bool) -> Match:
    if merged:
        return Match(contact_id, f"{reason} as a record merged into this one", True)
    return Match(contact_id, reason)


KEY_SEPARATOR = "\x1f"  # ASCII unit separator: no key from a file holds it (see key_array)


def key_array(values: list[str] | list[int]) -> tuple[str, str]:
    """An SQL array of ``values`` (keys, or ids) and its one parameter, for PostgreSQL.

    The values travel as one string that ``string_to_array`` splits: quoting one string is
    one C call, where psycopg quotes a list element by element in Python, about ten times
    slower for a chunk's 10,000 keys (a twentieth of an import). Keys are never empty, and
    hold no control character: ``contacts.tabular`` drops them from every cell. A stored
    value holding one (typed elsewhere) would be looked up as its parts, which can only
    miss a candidate, never merge anyone: identity is checked again on what comes back."""
    if values and isinstance(values[0], int):
        return "string_to_array(%s, ',')::bigint[]", ",".join(map(str, values))
    return "string_to_array(%s, chr(31))", KEY_SEPARATOR.join(values)


def any_of(column: str, values: list) -> tuple[str, list]:
    """SQL for "column is one of values" and its parameter: one array (``key_array``)."""
    array, param = key_array(list(values))
    return f"{column} = ANY({array})", [param]


def identity_neighbours(practice: Practice, identities: Iterable[Identity]) -> IdentityIndex:
    """Index the practice's contacts that could share an identity with ``identities``:
    live ones under their own id, records merged away under their survivor (the end of
    their ``merged_into`` chain), so a merged record's row finds the contact it became.

    One query, one condition per rule; keys go as arrays. The conditions are ORed in one
    statement rather than a UNION of one per rule: the planner then reads each contact
    once, by one scan or by the rules' indexes together (a BitmapOr), where the union read
    the table once per rule and sorted the lot to drop repeats (100k contacts: 45 ms of
    one process against 110 ms of three). Merged records are read by the same scan and
    their survivors read by primary key only when there are any (``_survivors``), so a
    chunk still makes one lookup."""
    identities = list(identities)
    external_ids = sorted({w.external_id for w in identities if w.external_id})
    named = [w for w in identities if w.name_key]
    names = sorted({w.name_key for w in named})
    phones = sorted({w.phone for w in named if w.phone})
    emails = sorted({w.email for w in named if w.email})
    # Same names and birth date means the same dob_key, which is indexed.
    dob_keys = sorted(
        {_dob_key(w.date_of_birth, _initials_of(w.name_key)) for w in named if w.date_of_birth}
    )
    rules, params = [], [practice.pk]
    if external_ids:
        where, values = any_of("external_id", external_ids)
        rules.append(where)
        params += values
    for column, keys in (("phone", phones), ("email", emails), ("dob_key", dob_keys)):
        if keys:
            where, values = any_of(column, keys)
            name_where, name_values = any_of("name_key", names)
            rules.append(f"{where} AND {name_where}")
            params += [*values, *name_values]
    index = IdentityIndex()
    if not rules:
        return index
    conditions = " OR ".join(f"({rule})" for rule in rules)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(IDENTITY_FIELDS)}, merged_into_id "  # noqa: S608 - ours
            f"FROM contacts_contact WHERE practice_id = %s AND ({conditions})",
            params,
        )
        rows = cursor.fetchall()
    merged_into = {row[0]: row[-1] for row in rows if row[-1] is not None}
    survivors = _survivors(practice, merged_into) if merged_into else {}
    for contact_id, *identity, up in rows:
        who = Identity(*identity)
        if up is None:
            index.add(contact_id, who)
        elif contact_id in survivors:
            survivor_id, survivor_external_id = survivors[contact_id]
            index.add(survivor_id, who, merged=True)
            index.chart(survivor_id, survivor_external_id)
    return index


MAX_MERGE_LINKS = 20


def _survivors(practice: Practice, merged_into: dict[int, int]) -> dict[int, tuple[int, str]]:
    """Merged record id → the live contact at the end of its ``merged_into`` chain, with
    that contact's EMR id. A merge points the records merged into the merged one at the
    survivor, so a chain is one link (one query by primary key); longer ones, from before
    that rule, are followed a link per query. Read apart from the identity lookup: joined
    into it, the planner (expecting every row to be merged) read the whole table."""
    pending, found = dict(merged_into), {}
    for _ in range(MAX_MERGE_LINKS):
        if not pending:
            break
        where, values = any_of("id", sorted(set(pending.values())))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, merged_into_id, external_id FROM contacts_contact "  # noqa: S608
                f"WHERE practice_id = %s AND {where}",
                [practice.pk, *values],
            )
            links = {row[0]: row[1:] for row in cursor.fetchall()}
        further = {}
        for record, target in pending.items():
            if target not in links:
                continue  # not this practice's: no survivor
            up, external_id = links[target]
            if up is None:
                found[record] = (target, external_id)
            else:
                further[record] = up
        pending = further
    return found


# --- Merge ----------------------------------------------------------------------------

# Filled on the survivor when it has none; the survivor's own values win.
FILLABLE = (
    "external_id",
    "first_name",
    "last_name",
    "phone_raw",
    "phone",
    "phone_extension",
    "email_raw",
    "email",
    "date_of_birth",
    "address",
    "city",
    "state",
    "postal_code",
    "treatment_interest",
    "quoted_amount",
    "preferred_language",
    "time_zone",
    "notes",
    "assigned_to_id",
    "last_activity",
    "next_appointment",
)
OPT_OUTS = ("sms", "call", "email")


def _strictest_consent(survivor: Contact, merged: Contact) -> None:
    """An opt-out on either side survives, with the earliest time it was given."""
    for channel in OPT_OUTS:
        at_field, via_field = f"{channel}_opt_out_at", f"{channel}_opt_out_via"
        mine, theirs = getattr(survivor, at_field), getattr(merged, at_field)
        if theirs and (mine is None or theirs < mine):
            setattr(survivor, at_field, theirs)
            setattr(survivor, via_field, getattr(merged, via_field))
    if merged.do_not_contact and not survivor.do_not_contact:
        survivor.do_not_contact = True
        survivor.do_not_contact_reason = merged.do_not_contact_reason


@transaction.atomic
def contact_merge(
    *, survivor: Contact, merged: Contact, user=None, automatic_reason: str = ""
) -> ContactMerge:
    """Fold ``merged`` into ``survivor``: keep the strictest consent, fill the survivor's
    blanks, move every app's history (``contacts.history``), close candidates, and record
    the merge. Raises ValueError, writing nothing, when the two cannot be merged."""
    if survivor.practice_id != merged.practice_id or survivor.pk == merged.pk:
        raise ValueError("Only two different contacts of one practice can be merged.")
    survivor, merged = (
        Contact.objects.select_for_update().get(pk=pk) for pk in (survivor.pk, merged.pk)
    )
    if merged.merged_into_id or survivor.merged_into_id:
        raise ValueError("One of these contacts was already merged.")
    snapshot = model_to_dict(merged)
    for field in FILLABLE:
        if getattr(survivor, field) in ("", None) and getattr(merged, field) not in ("", None):
            setattr(survivor, field, getattr(merged, field))
    if merged.phone and survivor.phone == merged.phone:
        survivor.phone_valid = survivor.phone_valid or merged.phone_valid
    _strictest_consent(survivor, merged)
    for key, value in keys_of(survivor).items():
        setattr(survivor, key, value)
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into", "updated_at"])
    survivor.save()
    history_move(merged=merged, survivor=survivor)
    now = timezone.now()
    DuplicateCandidate.objects.filter(
        Q(contact_a=merged) | Q(contact_b=merged), status=CandidateStatus.OPEN
    ).update(status=CandidateStatus.MERGED, decided_by=user, decided_at=now)
    return ContactMerge.objects.create(
        practice_id=survivor.practice_id,
        survivor=survivor,
        merged=merged,
        merged_by=user,
        automatic_reason=automatic_reason,
        snapshot=snapshot,
    )


def candidate_dismiss(*, candidate: DuplicateCandidate, user) -> DuplicateCandidate:
    """ "Not the same person": remembered, so the pair is never proposed again."""
    candidate.status = CandidateStatus.DISMISSED
    candidate.decided_by = user
    candidate.decided_at = timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    return candidate
