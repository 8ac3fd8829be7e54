"""The import's bulk writer: new contacts and the per-row report COPYed in, changed
contacts written by one UPDATE, the existing contacts a chunk matched loaded, and the
planner's statistics kept up as the tables grow. Each call runs in the caller's (the
chunk's) transaction; none decides what a row means (``import_matching`` does).
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field

from django.db import connection

from contacts.candidates import LOOKUP_COLUMNS
from contacts.dedupe import any_of
from contacts.models import Contact, ImportBatch, RowResult

UPDATABLE = [
    f.name
    for f in Contact._meta.concrete_fields
    if f.name not in ("id", "practice", "created_at", "merged_into", "assigned_to")
]


class NewContact:
    """A contact a chunk creates, as plain attributes (a model instance per row costs more
    than the row's cleaning): what ``import_matching.row_apply`` writes on, then one row
    of a COPY."""

    def __init__(self, practice_id: int, now: dt.datetime) -> None:
        self.__dict__.update(_NEW_DEFAULTS, practice_id=practice_id, created_at=now, updated_at=now)


_INSERTED = [f for f in Contact._meta.concrete_fields if f.attname != "id"]
_NEW_DEFAULTS = {f.attname: f.get_default() for f in _INSERTED}


def ids_take(count: int) -> list[int]:
    """``count`` new contact ids from the table's own sequence, so rows can be COPYed with
    their ids known (and reported) without a round trip per row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('contacts_contact', 'id')) "
            "FROM generate_series(1, %s)",
            [count],
        )
        return [row[0] for row in cursor.fetchall()]


def contact_ids_through() -> int:
    """The highest contact id taken so far, by this transaction or any other."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(pg_sequence_last_value("
            "pg_get_serial_sequence('contacts_contact', 'id')::regclass), 0)"
        )
        return cursor.fetchone()[0]


def contacts_insert(new_contacts: dict[int, NewContact]) -> dict[int, int]:
    """Insert the chunk's new contacts; returns temporary id → real id."""
    if not new_contacts:
        return {}
    ids = ids_take(len(new_contacts))
    # One C call per contact for its ~60 values, not a Python loop.
    values_of = operator.itemgetter(*(f.attname for f in _INSERTED))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _INSERTED)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY contacts_contact (id, {columns}) FROM STDIN") as copy,
    ):
        for contact_id, contact in zip(ids, new_contacts.values(), strict=True):
            copy.write_row((contact_id, *values_of(contact.__dict__)))
    return dict(zip(new_contacts, ids, strict=True))


def report_insert(batch: ImportBatch, report: list[tuple[int, str, int | None, str]]) -> None:
    """The chunk's per-row report: (row, result, contact id, message) each."""
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY contacts_importrow (batch_id, row, result, contact_id, message) FROM STDIN"
        ) as copy,
    ):
        for line in report:
            copy.write_row((batch.pk, *line))


# The tables an import grows, with the columns its own queries look rows up by.
GROWN_TABLES = {
    "contacts_contact": LOOKUP_COLUMNS,
    "contacts_importrow": ("batch_id", "contact_id"),
}


@dataclass(slots=True)
class RunState:
    """What one run of an import learns as it goes, kept from chunk to chunk."""

    # Candidate blocks found too big so far (see ``candidates_find``).
    oversized: set[tuple[str, str]] = field(default_factory=set)
    # Rows added since this run last gave the planner statistics.
    rows_unanalyzed: int = 0


def statistics_keep_up(state: RunState, rows_added: int) -> None:
    """ANALYZE the tables an import grows once they have doubled since their last
    statistics (autovacuum would, a minute or more later). Without it the planner, still
    believing a practice has a few contacts, scans all of them for each blocking key
    looked up: cost that grows with the square of the list. Doubling keeps the number of
    ANALYZEs logarithmic in the file, and statistics off by less than 2x do not change a
    plan of key lookups. Only the columns the import looks rows up by: the same sample,
    a third of the time of all of contacts' columns (the others keep theirs until
    autovacuum's next pass). The run counts its own rows: PostgreSQL's count of changes
    since the last ANALYZE is not reset by one of some columns. In the chunk's
    transaction, so its own rows count."""
    state.rows_unanalyzed += rows_added
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = ANY(%s::regclass[])",
            [list(GROWN_TABLES)],
        )
        if not any(state.rows_unanalyzed > 1000 + tuples for (tuples,) in cursor.fetchall()):
            return
        tables = (f"{table} ({', '.join(columns)})" for table, columns in GROWN_TABLES.items())
        cursor.execute(f"ANALYZE {', '.join(tables)}")
    state.rows_unanalyzed = 0


def contacts_load(ids: set[int]) -> dict[int, Contact]:
    if not ids:
        return {}
    where, params = any_of("id", sorted(ids))
    sql = f"SELECT * FROM contacts_contact WHERE {where}"  # noqa: S608 - where is ours
    return {c.pk: c for c in Contact.objects.raw(sql, params)}


def created_by(batch: ImportBatch, contact_ids: set[int]) -> set[int]:
    """Which of ``contact_ids`` this batch created (in an earlier chunk)."""
    if not contact_ids:
        return set()
    where, params = any_of("contact_id", sorted(contact_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT contact_id FROM contacts_importrow WHERE batch_id = %s AND result = %s "  # noqa: S608
            f"AND {where}",
            [batch.pk, RowResult.CREATED.value, *params],
        )
        return {row[0] for row in cursor.fetchall()}


def contacts_update(contacts: list[Contact]) -> None:
    """Write UPDATABLE of each contact: what ``bulk_update(contacts, UPDATABLE)`` writes
    (``updated_at`` as loaded, like it). The rows are COPYed into a scratch
    table and written by one UPDATE: Django's CASE WHEN per field and contact cost more
    than the rest of a chunk, and an UPDATE per contact runs the statement triggers on
    contacts (the scoreboard's) once per contact instead of once per chunk."""
    fields = [Contact._meta.get_field(name) for name in UPDATABLE]
    quote = connection.ops.quote_name
    table = quote(Contact._meta.db_table)
    rows = [
        [c.pk, *(f.get_db_prep_save(getattr(c, f.attname), connection) for f in fields)]
        for c in contacts
    ]
    with connection.cursor() as cursor:
        columns = ", ".join(quote(f.column) for f in fields)
        # Names are the model's own; every value goes through COPY.
        cursor.execute(
            f"CREATE TEMP TABLE contact_update ON COMMIT DROP AS "  # noqa: S608
            f"SELECT id, {columns} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY contact_update (id, {columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        assignments = ", ".join(f"{quote(f.column)} = u.{quote(f.column)}" for f in fields)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM contact_update u "  # noqa: S608
            f"WHERE {table}.id = u.id"
        )
        cursor.execute("DROP TABLE contact_update")
