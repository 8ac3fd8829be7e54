"""Duplicate candidates: pairs of contacts a person should look at, found by blocking
and scored (DESIGN §4; ``contacts.dedupe`` merges what identity settles).

Two contacts are compared only when they share a blocking key (phone, email and the keys
of ``dedupe_keys``: birth dates, initials, phonetic names, addresses), so the work per
contact stays small however long the list. PostgreSQL makes each block's pairs and sifts
out the ones the scoring would refuse whatever the names (``pair_worth_comparing``);
Python scores the rest with ``pair_scoring`` (a calibrated share of true duplicates, with
the evidence in words).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple, get_type_hints

from django.db import connection
from django.utils import timezone

from contacts.dedupe import any_of, key_array
from contacts.models import CandidateStatus
from contacts.pair_scoring import (
    BEST_REST,
    BIRTH_DATE,
    Pairable,
    calibrated,
    only_same_address,
    pair_compare,
    raw_needed,
)
from reactivate.models import Practice

# Calibrated score (share of true duplicates among generated pairs like it) from which a
# pair without a shared phone or email is shown to a person.
CANDIDATE_THRESHOLD = 0.3
LIVE_CONTACTS = "FROM contacts_contact WHERE practice_id = %s AND merged_into_id IS NULL"


# The kinds of block (``dedupe_keys``), phone and email first: a pair sharing one is
# recorded (and shown as a household when its names differ) before another block sees it.
# dob_key last: it is read where its birth_key block was too big, which the statements,
# sent one ahead of being read (``candidates_find_among``), must have told by then.
BLOCKS = (
    "phone",
    "email",
    "birth_key",
    "year_key",
    "sound_key",
    "last_sound_key",
    "first_sound_key",
    "house_key",
    "street_key",
    "dob_key",
)
# The other member of a pair, as a block statement gives it: its id and what the scoring
# reads (``pair_scoring.Pairable``), not the blocking keys. At a million contacts a chunk's
# statements give some 110k pairs; the keys were a third of the values read.
PairRow = NamedTuple("PairRow", [("id", int), *get_type_hints(Pairable).items()])
PAIR_FIELDS = PairRow._fields
# A contact as candidate finding reads it: PairRow's fields and the keys of its blocks. A
# tuple, not a dict or a model, because a chunk's blocks hold tens of thousands of them.
CandidateRow = NamedTuple(
    "CandidateRow",
    [*get_type_hints(PairRow).items(), *((b, str) for b in BLOCKS if b not in PAIR_FIELDS)],
)
CANDIDATE_FIELDS = CandidateRow._fields
_ATTRIBUTES = operator.itemgetter(*CANDIDATE_FIELDS[1:])


def candidate_row(contact_id: int, attributes: dict) -> CandidateRow:
    """A contact as candidate finding reads it, from the attributes of a contact at hand
    (an import's, just written: reading them back cost a tenth of finding candidates)."""
    return CandidateRow(contact_id, *_ATTRIBUTES(attributes))


# A block whose members are all in a block of another kind, read only where that one was
# too big: two contacts of one dob_key (birth date and initials) share a birth_key.
NARROWER = {"dob_key": "birth_key"}
# Blocks that pair two contacts only when one of them has no birth date. Names that sound
# alike in one postal code are many namesakes; of two with birth dates, the same person
# shares a birth_key, year_key or day and month block unless both dates are wrong, and a
# household's one address (house_key) whatever the dates. Without a birth date, the
# phonetic names and the postal code are what is left to find them by.
UNDATED_ONLY = frozenset({"sound_key"})
# Blocks keyed on no name (a birth date, a house, a street) that pair two contacts only
# when they share an initial, either way round: one birth date or house number is shared
# by strangers, more of them the longer the list (some forty a birth date at a million
# contacts), while one person filed twice keeps a first or last initial through a typo, a
# nickname or swapped names. On the linkage file (whose typos hit a first letter as often
# as any other) recall went from 0.959 to 0.954: 40 of 9,320 true pairs, each with typos
# in both initials; at a hundred thousand contacts a third fewer pairs were judged.
INITIALED = frozenset({"birth_key", "house_key", "street_key"})
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


# What a block statement reads of a member ``x`` (a contact): PAIR_FIELDS, which it gives
# with each pair, and for ``pair_worth_comparing`` the birth date also as the
# integers YYYYMMDD and YYYYDDMM, whose digits it counts, and the initials (INITIALED).
MEMBER_COLUMNS = (
    ", ".join(f"x.{name}" for name in PAIR_FIELDS)
    + ", to_char(x.date_of_birth, 'YYYYMMDD')::int AS ymd, "
    "to_char(x.date_of_birth, 'YYYYDDMM')::int AS ydm, "
    "left(split_part(x.name_key, '|', 1), 1) AS fi, left(split_part(x.name_key, '|', 2), 1) AS li"
)
# SQL over two block members: they share an initial, either way round, or one has no name
# to tell (INITIALED).
INITIAL_SHARED = (
    "((s.fi = '' AND s.li = '') OR (o.fi = '' AND o.li = '') "
    "OR (s.fi <> '' AND s.fi IN (o.fi, o.li)) OR (s.li <> '' AND s.li IN (o.fi, o.li)))"
)


def _digits_apart(a: str, b: str) -> str:
    """SQL: how many of the eight digits of two YYYYMMDD integers differ."""
    # "%%": the statement goes through psycopg, where "%" starts a parameter.
    return " + ".join(f"(({a} / {10**k}) %% 10 <> ({b} / {10**k}) %% 10)::int" for k in range(8))


def pair_worth_comparing() -> str:
    """SQL over two block members ``s`` and ``o`` (MEMBER_COLUMNS each): false only for a
    pair ``pair_judge`` refuses whatever their names, so PostgreSQL leaves it out before
    Python reads it.

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
    elif only_same_address("different", at_least):
        different = same_address
    else:
        different = corroborating_address
    return (
        f"({shared} OR ({dated} AND {close}) OR (NOT {dated} AND {corroborating_address}) "
        f"OR {different})"
    )


def _block_send(
    cursor,
    practice: Practice,
    block: str,
    keys: list[str],
    subjects: list[CandidateRow],
    ids: str,
    members_through: int | None = None,
) -> None:
    """Send the statement of the blocks ``keys`` of kind ``block`` (``_block_read`` reads
    what it gives): each subject (``subjects``, the chunk's contacts; ``ids`` their ids as
    one ``key_array`` parameter) with each other member worth comparing to it
    (``pair_worth_comparing``), and the keys left out for having more than MAX_BLOCK
    members (MAX_BLOCK_OF for the name blocks).

    One statement: an index scan per key, stopped after the most members a block may have
    plus one (a big block is known by the rows it gives), the pairs made and sifted by
    PostgreSQL, and the other member's fields given with each pair, so Python judges it
    without asking again. ``members_through``: the highest contact id a member may have
    (None: any)."""
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
    initialed = f"AND {INITIAL_SHARED}" if block in INITIALED else ""
    through = "" if members_through is None else "AND x.id <= %s"
    most = MAX_BLOCK_OF.get(block, MAX_BLOCK)
    others = ", ".join(f"o.{name}" for name in PAIR_FIELDS)
    sql = f"""
        WITH subject AS (SELECT string_to_array(%s, ',')::bigint[] AS ids),
        m AS MATERIALIZED (
            SELECT k.key, x.*, x.id = ANY(subject.ids) AS mine
            FROM subject, {source}
            CROSS JOIN LATERAL (
                SELECT {MEMBER_COLUMNS} FROM contacts_contact x
                WHERE x.practice_id = %s AND x.{block} = k.key AND x.{block} <> ''
                    AND x.merged_into_id IS NULL {undated} {through}
                LIMIT %s
            ) AS x
        ),
        big AS (SELECT key FROM m GROUP BY key HAVING count(*) > %s)
        SELECT s.id, NULL, {others} FROM m s JOIN m o ON o.key = s.key AND o.id <> s.id
        WHERE s.mine AND (NOT o.mine OR o.id > s.id) {one_undated} {initialed}
            AND s.key NOT IN (SELECT key FROM big) AND {pair_worth_comparing()}
        UNION ALL
        SELECT NULL, key, {", ".join(["NULL"] * len(PAIR_FIELDS))} FROM big
    """  # noqa: S608 - block is one of BLOCKS, keys_array is key_array's
    bound = [] if members_through is None else [members_through]
    cursor.execute(sql, [ids, *params, practice.pk, *bound, most + 1, most])


def _block_read(cursor) -> tuple[list[tuple[int, PairRow]], set[str]]:
    """What ``_block_send``'s statement gave: (subject id, the other member) for each pair
    worth comparing, and the keys of the blocks too big."""
    pairs, big = [], set()
    for subject_id, big_key, *other in cursor.fetchall():
        if big_key is not None:
            big.add(big_key)
        else:
            pairs.append((subject_id, PairRow._make(other)))
    return pairs, big


def pair_judge(a: Pairable, b: Pairable) -> tuple[float, str] | None:
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
    where, values = any_of("id", contact_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(CANDIDATE_FIELDS)} {LIVE_CONTACTS} AND {where}",
            [practice.pk, *values],
        )
        subjects = [CandidateRow._make(row) for row in cursor.fetchall()]
    return candidates_find_among(practice, subjects, oversized)


def candidates_find_among(
    practice: Practice,
    subjects: list[CandidateRow],
    oversized: set[tuple[str, str]] | None = None,
    members_through: int | None = None,
) -> int:
    """``candidates_find`` for ``subjects``, live contacts of ``practice`` as they are
    stored (``candidate_row``, when they are at hand).

    ``members_through``: pair them only with contacts whose id is at most this (an
    import's chunk with the contacts before it, not with those of later chunks that
    commit meanwhile: each finds its own pairs with this one, and blocks stay as big as
    they were when the chunk was written, whatever the timing)."""
    if not subjects:
        return 0
    ids = key_array([subject.id for subject in subjects])[1]
    mine = {subject.id: subject for subject in subjects}
    known_big = oversized if oversized is not None else set()
    seen: set[tuple[int, int]] = set()  # judged once, whichever blocks they share
    found: dict[tuple[int, int], tuple[float, str]] = {}

    def keys_of(block: str) -> list[str]:
        # A key of a NARROWER kind is read only where its wider block was found too big,
        # by this chunk or an earlier one.
        return sorted(
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

    def judge(pairs: list[tuple[int, PairRow]]) -> None:
        for subject_id, other in pairs:
            pair = (subject_id, other.id) if subject_id < other.id else (other.id, subject_id)
            if pair not in seen:
                seen.add(pair)
                # The lower id first, as the pair is stored and its evidence quoted.
                a, b = mine.get(pair[0], other), mine.get(pair[1], other)
                if (judged := pair_judge(a, b)) is not None:
                    found[pair] = judged

    # PostgreSQL runs one kind's statement while Python judges the kind before: in
    # pipeline mode a statement is sent without waiting for the one before to be read.
    # One connection, so the statements see the chunk's contacts before they commit.
    connection.ensure_connection()
    sent: tuple[str, object] | None = None
    jit_off = not connection.in_atomic_block  # outside a transaction SET LOCAL does nothing
    with connection.connection.pipeline():
        for block in (*BLOCKS, None):
            cursor = None
            if block is not None and (keys := keys_of(block)):
                if not jit_off:
                    # The planner expects every member to pair with every other and so
                    # compiles the statements (JIT), which took longer than running them
                    # (0.6 of 0.7 s a chunk).
                    with connection.cursor() as setting:
                        setting.execute("SET LOCAL jit = off")
                    jit_off = True
                cursor = connection.cursor()
                _block_send(cursor, practice, block, keys, subjects, ids, members_through)
            if sent is not None:
                pairs, big = _block_read(sent[1])
                sent[1].close()
                known_big.update((sent[0], key) for key in big)
                judge(pairs)
            sent = (block, cursor) if cursor is not None else None
    if not found:
        return 0
    pairs = sorted(found)
    # A pair still open takes the score and evidence found now (the contacts may have
    # changed since, or the calibration); a decided pair is left as it was decided.
    # ``xmax = 0``: the row was inserted, not updated, so it is counted as new.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO contacts_duplicatecandidate AS old
                (practice_id, contact_a_id, contact_b_id, score, reason, status, created_at)
            SELECT %s, a, b, score, reason, %s, %s
            FROM unnest(%s::bigint[], %s::bigint[], %s::float8[], %s::text[])
                AS new(a, b, score, reason)
            ON CONFLICT (contact_a_id, contact_b_id) DO UPDATE
                SET score = excluded.score, reason = excluded.reason
                WHERE old.status = %s
                    AND (old.score, old.reason) IS DISTINCT FROM (excluded.score, excluded.reason)
            RETURNING xmax = 0
            """,
            [
                practice.pk,
                CandidateStatus.OPEN.value,
                timezone.now(),
                [a for a, _ in pairs],
                [b for _, b in pairs],
                [found[pair][0] for pair in pairs],
                [found[pair][1] for pair in pairs],
                CandidateStatus.OPEN.value,
            ],
        )
        return sum(inserted for (inserted,) in cursor.fetchall())
