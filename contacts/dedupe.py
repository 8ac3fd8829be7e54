"""Family-safe duplicate handling (DESIGN §4).

Family members share phones and emails, so a shared contact point alone never merges two
patients. Identity — the same EMR id; or the same phone or email *and* matching names; or
matching names *and* birth date — merges automatically. Anything weaker becomes a
``DuplicateCandidate`` for a person. Candidates are found through blocking keys (phone,
email and the keys of ``dedupe_keys``: birth dates, initials, phonetic names, addresses),
so the work per contact stays small however long the list, and scored by
``pair_scoring`` (a calibrated share of true duplicates, with the evidence in words).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.forms.models import model_to_dict
from django.utils import timezone

from contacts.dedupe_keys import _dob_key, _initials_of, matching_keys
from contacts.history import history_move
from contacts.models import (
    CandidateStatus,
    Contact,
    ContactMerge,
    DuplicateCandidate,
)
from contacts.pair_scoring import (
    BEST_REST,
    BIRTH_DATE,
    _only_same_address,
    calibrated,
    pair_compare,
    raw_needed,
)
from reactivate.models import Practice

# Calibrated score (share of true duplicates among generated pairs like it) from which a
# pair without a shared phone or email is shown to a person.
CANDIDATE_THRESHOLD = 0.3
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


_LIVE_CONTACTS = "FROM contacts_contact WHERE practice_id = %s AND merged_into_id IS NULL"


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


# --- Candidates -----------------------------------------------------------------------


class CandidateRow(NamedTuple):
    """A contact as candidate finding reads it (CANDIDATE_FIELDS): a tuple, not a dict or
    a model, because a chunk's blocks hold tens of thousands of them."""

    id: int
    first_name: str
    last_name: str
    phone: str
    email: str
    date_of_birth: dt.date | None
    postal_code: str
    address: str
    dob_key: str
    birth_key: str
    year_key: str
    sound_key: str
    last_sound_key: str
    first_sound_key: str
    addr_key: str
    house_key: str
    street_key: str


CANDIDATE_FIELDS = CandidateRow._fields
# The kinds of block (``dedupe_keys``), phone and email first: a pair sharing one is
# recorded (and shown as a household when its names differ) before another block sees it.
BLOCKS = (
    "phone",
    "email",
    "birth_key",
    "dob_key",
    "year_key",
    "sound_key",
    "last_sound_key",
    "first_sound_key",
    "house_key",
    "street_key",
)
# A block whose members are all in a block of another kind, read only where that one was
# too big: two contacts of one dob_key (birth date and initials) share a birth_key.
NARROWER = {"dob_key": "birth_key"}
# Blocks that pair two contacts only when one of them has no birth date. Names that sound
# alike in one postal code are many namesakes; of two with birth dates, the same person
# shares a birth_key, year_key or day and month block unless both dates are wrong, and a
# household's one address (house_key) whatever the dates. Without a birth date, the
# phonetic names and the postal code are what is left to find them by.
UNDATED_ONLY = frozenset({"sound_key"})
# The columns an import's identity and block queries look contacts up by.
LOOKUP_COLUMNS = ("practice_id", "merged_into_id", "external_id", "name_key", *BLOCKS)
# A blocking key shared by more live contacts than this is not evidence (a clinic's own
# phone, a care home's address, a common surname in a town): the block is skipped, which
# keeps the pairs per contact bounded however long the list.
MAX_BLOCK = 50
# Blocks derived from names (phonetic codes, initials, year of birth) are smaller: a
# block of more than ten people whose names sound alike is namesakes, not evidence, and the same
# person is in a birth date, house or phone block as well.
MAX_BLOCK_OF = dict.fromkeys(("year_key", "sound_key", "last_sound_key", "first_sound_key"), 10)


def _digits_apart(a: str, b: str) -> str:
    """SQL: how many of the eight digits of two YYYYMMDD integers differ."""
    # "%%": the statement goes through psycopg, where "%" starts a parameter.
    return " + ".join(f"(({a} / {10**k}) %% 10 <> ({b} / {10**k}) %% 10)::int" for k in range(8))


def pair_worth_comparing() -> str:
    """SQL over two block members ``s`` and ``o``: false only for a pair ``pair_judge``
    refuses whatever their names, so PostgreSQL leaves it out before Python reads it.

    Most pairs a block offers are two people whose birth dates, or addresses, rule them out
    before their names are compared (``pair_compare``'s early exits); at a hundred
    thousand contacts they were half of the pairs compared and of the rows read. This is
    those exits, loosened where SQL cannot say as much, never tightened: a pair it keeps
    is still judged whole. Built from the weights, so a new calibration cannot make it
    drop a pair the scoring would keep."""
    at_least = raw_needed(CANDIDATE_THRESHOLD)
    shared = "(s.phone <> '' AND s.phone = o.phone) OR (s.email <> '' AND s.email = o.email)"
    same_address = "(s.addr_key <> '' AND s.addr_key = o.addr_key)"
    dated = "(s.date_of_birth IS NOT NULL AND o.date_of_birth IS NOT NULL)"
    # birth_date_level is not "different" only within two digits, or one digit with
    # day and month swapped.
    close = f"({_digits_apart('s.ymd', 'o.ymd')} <= 2 OR {_digits_apart('s.ymd', 'o.ydm')} <= 1)"
    # address_level corroborates (pair_scoring.CORROBORATING_ADDRESS) only at one address
    # (addr_key), in one postal code with an address missing, or with house numbers at
    # most one typo apart: with both at least three characters long, one edit leaves
    # their first or their last character alone.
    house_a, house_b = "split_part(s.street_key, '|', 1)", "split_part(o.street_key, '|', 1)"
    near_house = (
        f"({house_a} = {house_b} OR {house_a} = '' OR {house_b} = '' OR "
        f"(abs(length({house_a}) - length({house_b})) <= 1 AND (length({house_a}) <= 2 "
        f"OR length({house_b}) <= 2 OR left({house_a}, 1) = left({house_b}, 1) "
        f"OR right({house_a}, 1) = right({house_b}, 1))))"
    )
    corroborating_address = (
        f"({same_address} OR ((s.address = '' OR o.address = '') AND s.postal_code <> '' "
        f"AND s.postal_code = o.postal_code) OR (s.address <> '' AND o.address <> '' "
        f"AND {near_house}))"
    )
    if BIRTH_DATE["different"] + BEST_REST < at_least:
        different = "FALSE"  # birth dates too far apart for anything to make up
    elif _only_same_address("different", at_least):
        different = same_address
    else:
        different = corroborating_address
    return (
        f"({shared} OR ({dated} AND {close}) OR (NOT {dated} AND {corroborating_address}) "
        f"OR {different})"
    )


def _block_pairs(
    practice: Practice, block: str, keys: list[str], subjects: list[CandidateRow], ids: str
) -> tuple[set[tuple[int, int]], set[str]]:
    """The pairs worth comparing (``pair_worth_comparing``) in the blocks ``keys`` of kind
    ``block``, each a subject (``subjects``, the chunk's contacts; ``ids`` their ids as one
    ``key_array`` parameter) and another member, as (lower id, higher id); and the keys
    left out for having more than MAX_BLOCK members (MAX_BLOCK_OF for the name blocks).

    One statement: an index scan per key, stopped after the most members a block may have
    plus one (a big block is known by the rows it gives), and the pairs made and sifted by
    PostgreSQL, so Python reads only the contacts of pairs that could be kept."""
    keys_array, keys_param = key_array(keys)
    source, params, undated, one_undated = f"unnest({keys_array}) AS k(key)", [keys_param], "", ""
    if block in UNDATED_ONLY:
        # A block whose subjects all have birth dates reads only its members without one.
        by_key = defaultdict(list)
        for subject in subjects:
            by_key[getattr(subject, block)].append(subject)
        source = f"unnest({keys_array}, string_to_array(%s, ',')::bool[]) AS k(key, dated)"
        params.append(
            ",".join("t" if all(r.date_of_birth for r in by_key[key]) else "f" for key in keys)
        )
        undated = "AND (x.date_of_birth IS NULL OR NOT k.dated OR x.id = ANY(subject.ids))"
        one_undated = "AND (s.date_of_birth IS NULL OR o.date_of_birth IS NULL)"
    most = MAX_BLOCK_OF.get(block, MAX_BLOCK)
    sql = f"""
        WITH subject AS (SELECT string_to_array(%s, ',')::bigint[] AS ids),
        m AS MATERIALIZED (
            SELECT k.key, x.*, x.id = ANY(subject.ids) AS mine,
                to_char(x.date_of_birth, 'YYYYMMDD')::int AS ymd,
                to_char(x.date_of_birth, 'YYYYDDMM')::int AS ydm
            FROM subject, {source}
            CROSS JOIN LATERAL (
                SELECT id, phone, email, date_of_birth, postal_code, address, addr_key,
                    street_key
                FROM contacts_contact x
                WHERE x.practice_id = %s AND x.{block} = k.key AND x.{block} <> ''
                    AND x.merged_into_id IS NULL {undated}
                LIMIT %s
            ) AS x
        ),
        big AS (SELECT key FROM m GROUP BY key HAVING count(*) > %s)
        SELECT s.id, o.id, NULL FROM m s JOIN m o ON o.key = s.key AND o.id <> s.id
        WHERE s.mine AND (NOT o.mine OR o.id > s.id) {one_undated}
            AND s.key NOT IN (SELECT key FROM big) AND {pair_worth_comparing()}
        UNION ALL
        SELECT NULL, NULL, key FROM big
    """  # noqa: S608 - block is one of BLOCKS, keys_array is key_array's
    params = [ids, *params, practice.pk, most + 1, most]
    pairs, big = set(), set()
    with connection.cursor() as cursor:
        # The planner expects every member to pair with every other and so compiles the
        # statement (JIT), which took longer than running it (0.6 of 0.7 s a chunk).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        for mine, theirs, key in cursor.fetchall():
            if key is not None:
                big.add(key)
            else:
                pairs.add((mine, theirs) if mine < theirs else (theirs, mine))
    return pairs, big


def pair_judge(a: CandidateRow, b: CandidateRow) -> tuple[float, str] | None:
    """(calibrated score, evidence) of a pair worth a person's look, else None.

    A shared phone or email is always shown to a person, whatever the score (often a
    spouse or child: never merged by itself, and read as family when first names and
    birth dates differ). Other pairs need more than alike names (a birth date, address,
    phone or email that agrees, or nearly) and a calibrated score of at least
    CANDIDATE_THRESHOLD."""
    comparison = pair_compare(a, b, at_least=raw_needed(CANDIDATE_THRESHOLD))
    if comparison is None:
        return None
    score = round(calibrated(comparison.raw), 3)
    shown_anyway = comparison.phone or comparison.email
    if not shown_anyway and (not comparison.corroborated or score < CANDIDATE_THRESHOLD):
        return None
    return score, comparison.evidence[:200]


def candidates_find(
    practice: Practice,
    contact_ids: Iterable[int],
    oversized: set[tuple[str, str]] | None = None,
) -> int:
    """Record duplicate candidates between ``contact_ids`` and the practice's live
    contacts. Pairs already decided ("not the same person") are left as they are.
    Returns how many new candidates were recorded.

    Pairs come from blocks (BLOCKS, each at most MAX_BLOCK contacts) and are kept as
    ``pair_judge`` says, with their calibrated score and evidence.

    ``oversized``: (block, key) pairs already found too big, which are not counted again;
    the blocks found too big here are added. An import passes one set to all its chunks:
    blocks only grow while a list is imported, and at a million contacts counting the
    same big surname blocks again for every chunk was half of the candidates' queries."""
    contact_ids = sorted(set(contact_ids))
    if not contact_ids:
        return 0
    assert all(name in CANDIDATE_FIELDS for name in BLOCKS)
    where, values = any_of("id", contact_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(CANDIDATE_FIELDS)} {_LIVE_CONTACTS} AND {where}",
            [practice.pk, *values],
        )
        subjects = [CandidateRow._make(row) for row in cursor.fetchall()]
    ids = key_array([subject.id for subject in subjects])[1]
    pairs: set[tuple[int, int]] = set()  # compared once, whichever blocks they share
    # One kind of block at a time, in BLOCKS order: a key of a NARROWER kind is read only
    # where its wider block was found too big, by this chunk or an earlier one.
    known_big = oversized if oversized is not None else set()
    for block in BLOCKS:
        keys = sorted(
            {
                key
                for c in subjects
                if (key := getattr(c, block))
                and (block, key) not in known_big
                and (
                    block not in NARROWER
                    or (NARROWER[block], getattr(c, NARROWER[block])) in known_big
                )
            }
        )
        if not keys:
            continue
        found_pairs, big = _block_pairs(practice, block, keys, subjects, ids)
        pairs |= found_pairs
        known_big.update((block, key) for key in big)
    if not pairs:
        return 0
    rows = {subject.id: subject for subject in subjects}
    if others := sorted({i for pair in pairs for i in pair if i not in rows}):
        where, values = any_of("id", others)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(CANDIDATE_FIELDS)} FROM contacts_contact "  # noqa: S608
                f"WHERE practice_id = %s AND {where}",
                [practice.pk, *values],
            )
            rows.update((row[0], CandidateRow._make(row)) for row in cursor.fetchall())
    found: dict[tuple[int, int], tuple[float, str]] = {}
    for pair in sorted(pairs):
        if (judged := pair_judge(rows[pair[0]], rows[pair[1]])) is not None:
            found[pair] = judged
    if not found:
        return 0
    pairs = sorted(found)
    # A decided pair already exists and is left alone; so is a concurrent insert.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO contacts_duplicatecandidate
                (practice_id, contact_a_id, contact_b_id, score, reason, status, created_at)
            SELECT %s, a, b, score, reason, %s, %s
            FROM unnest(%s::bigint[], %s::bigint[], %s::float8[], %s::text[])
                AS new(a, b, score, reason)
            ON CONFLICT (contact_a_id, contact_b_id) DO NOTHING
            """,
            [
                practice.pk,
                CandidateStatus.OPEN.value,
                timezone.now(),
                [a for a, _ in pairs],
                [b for _, b in pairs],
                [found[pair][0] for pair in pairs],
                [found[pair][1] for pair in pairs],
            ],
        )
        return cursor.rowcount


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
    for key, value in matching_keys(
        survivor.first_name,
        survivor.last_name,
        survivor.date_of_birth,
        survivor.postal_code,
        survivor.address,
    ).items():
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
