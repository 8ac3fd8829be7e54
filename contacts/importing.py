"""The import pipeline, shared by the wizard and ``import_contacts``.

upload → ``import_batch_create`` (file kept with its batch, header checked) → mapping and
``import_preview`` → ``import_batch_start`` (queued after commit) → ``import_batch_run`` in
a worker. Rows are applied in chunks; each chunk's contacts, per-row results and the
batch's progress commit together, so a worker killed mid-import leaves whole chunks only,
and the redelivered task resumes after the last applied row.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import hashlib
import itertools
import logging
import operator
import queue
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone

from contacts import dates, hygiene, import_sample
from contacts.dedupe import (
    LOOKUP_COLUMNS,
    Identity,
    any_of,
    candidates_find,
    identity_neighbours,
    matching_keys,
)
from contacts.mapping import mapping_guess, mapping_resolve
from contacts.models import (
    IMPORT_SUMMARY,
    Contact,
    ImportBatch,
    ImportStatus,
    LastOutcome,
    OutcomeSynonym,
    RowResult,
)
from contacts.survivors import survivor_fill
from contacts.tabular import Table, TableError, table_open
from reactivate.models import Practice

logger = logging.getLogger(__name__)

SUMMARY_KEYS = tuple(IMPORT_SUMMARY)
TEXT_FIELDS = (
    "external_id",
    "address",
    "city",
    "state",
    "postal_code",
    "treatment_interest",
    "preferred_language",
    "notes",
)
OPT_OUT_FIELDS = {"sms_opt_out": "sms", "email_opt_out": "email"}
IMPORT_VIA = "import"


DATE_FIELDS = ("date_of_birth", "last_activity", "next_appointment")
# Rows the day/month order of a file's date columns is decided from (dates.py): the same
# for the preview and the import, so both read every cell the same way.
DATE_SAMPLE_ROWS = import_sample.DATE_SAMPLE_ROWS


@dataclass(frozen=True, slots=True)
class PracticeRules:
    """What cleaning needs to know about the practice (and, once ``for_file`` has read
    it, the file's date columns), read once per run."""

    country: str
    area_code: str
    time_zone: str
    synonyms: dict[str, str]
    today: dt.date
    dayfirst: frozenset[str] = frozenset()  # the date fields whose column is day first

    @classmethod
    def of(cls, practice: Practice) -> PracticeRules:
        synonyms = dict(
            OutcomeSynonym.objects.filter(practice=practice).values_list("key", "outcome")
        )
        return cls(
            practice.country,
            practice.default_area_code,
            str(practice.time_zone),
            synonyms,
            timezone.localdate(),
        )

    def for_file(self, table: Table, mapping: dict[str, str]) -> PracticeRules:
        positions = {
            name: table.headers.index(mapping[name]) for name in DATE_FIELDS if mapping.get(name)
        }
        sample = (cells for _, cells, _ in itertools.islice(table.rows(), DATE_SAMPLE_ROWS))
        default = dates.dayfirst_default(self.country)
        dayfirst = dates.columns_dayfirst(sample, positions, default=default)
        return dataclasses.replace(self, dayfirst=dayfirst)


@dataclass(slots=True)
class CleanRow:
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    opt_outs: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def identity(self) -> Identity:
        v = self.values
        return Identity(
            v.get("external_id", ""),
            v.get("name_key", ""),
            v.get("phone", ""),
            v.get("email", ""),
            v.get("date_of_birth"),
        )


MAX_LENGTH = {name: Contact._meta.get_field(name).max_length for name in TEXT_FIELDS}


@lru_cache(maxsize=64)
def _positions(headers: tuple[str, ...], mapping: tuple[tuple[str, str], ...]) -> tuple:
    """(field, column position) of each mapped field: worked out once per file, not per row."""
    return tuple((name, headers.index(header) if header else None) for name, header in mapping)


def row_clean(
    row: int,
    cells: list[str] | None,
    problem: str,
    table: Table,
    mapping: dict[str, str],
    rules: PracticeRules,
) -> CleanRow:
    """One input row → the contact values it carries, with its problems in words."""
    result = CleanRow(row=row)
    if cells is None:
        result.error = problem or "row could not be read"
        return result
    raw = {
        name: cells[at] if at is not None else ""
        for name, at in _positions(tuple(table.headers), tuple(mapping.items()))
    }
    for name, value in raw.items():
        if value.startswith("="):
            result.problems.append(f"{name} holds a formula; kept as text, not evaluated")
    v = result.values
    v["first_name"] = hygiene.name_normalize(raw.get("first_name"))[:100]
    v["last_name"] = hygiene.name_normalize(raw.get("last_name"))[:100]
    for name in TEXT_FIELDS:
        if name in raw:
            v[name] = raw[name][: MAX_LENGTH[name]]
    if "phone" in mapping:
        phone = hygiene.phone_normalize(
            raw["phone"], country=rules.country, area_code=rules.area_code
        )
        v.update(
            phone_raw=phone.raw[:100],
            phone=phone.e164,
            phone_extension=phone.extension[:10],
            phone_valid=phone.valid,
            time_zone=phone.time_zone or rules.time_zone,
        )
        if phone.problem:
            result.problems.append(phone.problem)
    if "email" in mapping:
        email = hygiene.email_normalize(raw["email"])
        v.update(email_raw=email.raw[:254], email=email.normalized[:254], email_valid=email.valid)
        if email.problem:
            result.problems.append(email.problem)
    for name in DATE_FIELDS:
        if name in mapping:
            v[name], date_problem = dates.date_parse(
                raw[name],
                dayfirst=name in rules.dayfirst,
                not_after=rules.today if name == "date_of_birth" else None,
            )
            if date_problem:
                result.problems.append(date_problem)
    if "quoted_amount" in mapping:
        v["quoted_amount"], amount_problem = hygiene.amount_parse(raw["quoted_amount"])
        if amount_problem:
            result.problems.append(amount_problem)
    if "last_outcome" in mapping:
        v["last_outcome_raw"] = raw["last_outcome"][:100]
        v["last_outcome"] = hygiene.outcome_normalize(raw["last_outcome"], rules.synonyms)
    if "do_not_contact" in mapping and hygiene.flag_parse(raw["do_not_contact"]):
        v["do_not_contact"] = True
        v["do_not_contact_reason"] = "marked in import"
    for name, channel in OPT_OUT_FIELDS.items():
        if name in mapping and hygiene.flag_parse(raw[name]):
            result.opt_outs.add(channel)
    v.update(
        matching_keys(
            v["first_name"],
            v["last_name"],
            v.get("date_of_birth"),
            v.get("postal_code", ""),
            v.get("address", ""),
        )
    )
    if not (v["name_key"] or v.get("phone_raw") or v.get("email_raw") or v.get("external_id")):
        result.error = "row has no name, phone, email or EMR id"
    return result


def _apply(contact: Contact | NewContact, row: CleanRow, now: dt.datetime) -> bool:
    """Write a row's values onto a contact; returns whether anything changed.

    Values present in the row win, except: consent only ever tightens (an import never
    clears an opt-out or do-not-contact), and an invalid phone never replaces a valid one.
    """
    changed = False
    for name, value in row.values.items():
        if value in ("", None) or name == "phone_valid":
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
    if row.values.get("phone_valid") and not contact.phone_valid:
        contact.phone_valid = changed = True
    return _opt_outs_record(contact, row, now) or changed


def _opt_outs_record(contact: Contact | NewContact, row: CleanRow, now: dt.datetime) -> bool:
    """The row's opt-outs, on the channels the contact has not opted out of already (the
    first time is kept); returns whether any was recorded."""
    recorded = False
    for channel in row.opt_outs:
        if getattr(contact, f"{channel}_opt_out_at") is None:
            setattr(contact, f"{channel}_opt_out_at", now)
            setattr(contact, f"{channel}_opt_out_via", IMPORT_VIA)
            recorded = True
    return recorded


def _fill(contact: NewContact, row: CleanRow, now: dt.datetime) -> None:
    """What ``_apply`` does to a contact that has only its defaults (the first row of a
    contact a chunk creates, nine rows in ten), in one pass: every value the row has, and
    its opt-outs. The defaults are what a blank leaves, so no rule needs checking."""
    contact.__dict__.update(
        {name: value for name, value in row.values.items() if value is not None and value != ""}
    )
    _opt_outs_record(contact, row, now)


UPDATABLE = [
    f.name
    for f in Contact._meta.concrete_fields
    if f.name not in ("id", "practice", "created_at", "merged_into", "assigned_to")
]


class NewContact:
    """A contact a chunk creates, as plain attributes (a model instance per row costs more
    than the row's cleaning): what ``_apply`` writes on, then one row of a COPY."""

    def __init__(self, practice_id: int, now: dt.datetime) -> None:
        self.__dict__.update(_NEW_DEFAULTS, practice_id=practice_id, created_at=now, updated_at=now)


_INSERTED = [f for f in Contact._meta.concrete_fields if f.attname != "id"]
_NEW_DEFAULTS = {f.attname: f.get_default() for f in _INSERTED}


def _ids_take(count: int) -> list[int]:
    """``count`` new contact ids from the table's own sequence, so rows can be COPYed with
    their ids known (and reported) without a round trip per row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('contacts_contact', 'id')) "
            "FROM generate_series(1, %s)",
            [count],
        )
        return [row[0] for row in cursor.fetchall()]


def _contacts_insert(new_contacts: dict[int, NewContact]) -> dict[int, int]:
    """Insert the chunk's new contacts; returns temporary id → real id."""
    if not new_contacts:
        return {}
    ids = _ids_take(len(new_contacts))
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


def _report_insert(batch: ImportBatch, report: list[tuple[int, str, int | None, str]]) -> None:
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


def _statistics_keep_up(state: RunState, rows_added: int) -> None:
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


def _contacts_load(ids: set[int]) -> dict[int, Contact]:
    if not ids:
        return {}
    where, params = any_of("id", sorted(ids))
    sql = f"SELECT * FROM contacts_contact WHERE {where}"  # noqa: S608 - where is ours
    return {c.pk: c for c in Contact.objects.raw(sql, params)}


def _created_by(batch: ImportBatch, contact_ids: set[int]) -> set[int]:
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


def _contacts_update(contacts: list[Contact]) -> None:
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


def _chunk_apply(
    batch: ImportBatch, rows: list[CleanRow], now: dt.datetime, state: RunState
) -> Counter:
    """Apply one chunk of clean rows; returns its summary counts. Runs in a transaction.
    ``state``: what this run has learnt in its earlier chunks."""
    practice = batch.practice
    counts: Counter = Counter(rows=len(rows))
    good = [r for r in rows if not r.error]
    identities = [r.identity for r in good]
    index = identity_neighbours(practice, identities)
    matched_ids: set[int] = set()
    # row, contact id (or -temp), reason, whether it is a merged record's row
    plan: list[tuple[CleanRow, int, str, bool]] = []
    new_contacts: dict[int, NewContact] = {}
    for row, identity in zip(good, identities, strict=True):
        match = index.match(identity)
        if match is None:
            contact_id, reason, merged = -(len(new_contacts) + 1), "", False
            new_contacts[contact_id] = NewContact(practice.pk, now)
        else:
            contact_id, reason, merged = match
            if contact_id > 0:
                matched_ids.add(contact_id)
        # What this row gives its contact (an EMR id, a phone, an email, a birth date) is
        # found by the chunk's later rows too: they become the same contact, never a
        # second live contact with the same EMR id.
        index.add(contact_id, identity, merged=merged)
        plan.append((row, contact_id, reason, merged))
    existing = _contacts_load(matched_ids)
    created_here = _created_by(batch, matched_ids)
    first_row_of: dict[int, int] = {}
    changed: set[int] = set()
    outcome: list[tuple[CleanRow, int, str, str]] = []
    for row, contact_id, reason, merged in plan:
        if contact_id < 0 and contact_id not in first_row_of:
            _fill(new_contacts[contact_id], row, now)
            first_row_of[contact_id] = row.row
            outcome.append((row, contact_id, RowResult.CREATED, ""))
            continue
        contact = new_contacts[contact_id] if contact_id < 0 else existing[contact_id]
        if merged:  # a merged record's row: it updates the survivor as the merge did
            applied = survivor_fill(contact, row.values) | _opt_outs_record(contact, row, now)
        else:
            applied = _apply(contact, row, now)
        if applied and contact_id > 0:
            changed.add(contact_id)
        if contact_id < 0 or contact_id in created_here:
            earlier = first_row_of.get(contact_id)
            where = f"row {earlier}" if earlier else "an earlier row"
            outcome.append((row, contact_id, RowResult.MERGED, f"same person as {where}: {reason}"))
        else:
            outcome.append((row, contact_id, RowResult.UPDATED, reason))
    real_id = _contacts_insert(new_contacts)
    if changed:
        _contacts_update([existing[i] for i in sorted(changed)])
    report = [(row.row, RowResult.ERROR.value, None, row.error) for row in rows if row.error]
    for row, contact_id, result, reason in outcome:
        message = "; ".join(filter(None, [reason, *row.problems]))
        report.append((row.row, result.value, real_id.get(contact_id, contact_id), message))
        counts[result] += 1
        counts["invalid_phone"] += bool(row.values.get("phone_raw")) and not row.values.get(
            "phone_valid"
        )
        counts["invalid_email"] += bool(row.values.get("email_raw")) and not row.values.get(
            "email_valid"
        )
        counts["do_not_contact"] += bool(row.values.get("do_not_contact"))
    counts["errors"] = len(rows) - len(good)
    report.sort()
    _report_insert(batch, report)
    _statistics_keep_up(state, len(rows))
    touched = set(real_id.values()) | changed
    counts["duplicate_candidates"] = candidates_find(practice, touched, state.oversized)
    return counts


def _notify_progress(batch: ImportBatch) -> None:
    # Listeners (tests, a future live view) learn of progress without polling.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_notify('contacts_import', %s)",
            [f"{batch.pk}:{batch.rows_done}:{batch.status}"],
        )


def _chunk_commit(batch_id: int, rows: list[CleanRow], state: RunState) -> ImportBatch:
    with transaction.atomic():
        # Lock the batch: two workers never apply the same rows.
        batch = ImportBatch.objects.select_for_update().select_related("practice").get(pk=batch_id)
        rows = [row for row in rows if row.row > batch.last_row]
        if rows:
            counts = _chunk_apply(batch, rows, timezone.now(), state)
            summary = Counter(batch.summary) + counts
            batch.summary = {key: summary.get(key, 0) for key in SUMMARY_KEYS}
            batch.rows_done += len(rows)
            batch.last_row = rows[-1].row
            batch.save(update_fields=["summary", "rows_done", "last_row"])
            _notify_progress(batch)
    return batch


def _open(batch: ImportBatch) -> Table:
    return table_open(
        batch.file.path,
        filename=batch.original_name,
        max_bytes=settings.IMPORT_MAX_BYTES,
        header_row=(batch.sample or {}).get("header_row"),  # as read at upload, or chosen
    )


def import_batch_run(batch_id: int, *, chunk_rows: int | None = None) -> ImportBatch:
    """Apply a queued batch, resuming after its last applied row. Marks it done or failed."""
    claimed = ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
    ).update(status=ImportStatus.RUNNING, started_at=timezone.now())
    batch = ImportBatch.objects.select_related("practice").get(pk=batch_id)
    if not claimed:
        return batch  # done, failed or never started: nothing to do
    try:
        table = _open(batch)
        if not batch.rows_total:
            batch.rows_total = _rows_estimate(table, batch.file.path)
            batch.save(update_fields=["rows_total"])
        mapping = mapping_resolve(table.headers, batch.mapping)
        rules = PracticeRules.of(batch.practice).for_file(table, mapping)
        size = chunk_rows or _chunk_rows(batch.rows_total)
        chunks = _chunks_clean(table, mapping, rules, after=batch.last_row, size=size)
        state = RunState()
        with _interpreter_tuned():
            for chunk in _one_ahead(chunks):
                batch = _chunk_commit(batch_id, chunk, state)
                gc.collect(0)  # this chunk's reference cycles, if any
    except (TableError, ValueError) as error:
        return _finish(batch_id, ImportStatus.FAILED, str(error))
    except Exception as error:
        logger.error("import %s stopped: %s", batch_id, type(error).__name__)
        return _finish(
            batch_id,
            ImportStatus.FAILED,
            "The import stopped on an internal error. The rows before it are imported and "
            "listed in the report; nothing was half-applied.",
        )
    return _finish(batch_id, ImportStatus.DONE, "")


MIN_CHUNK_ROWS = 500
SWITCH_INTERVAL = 0.001  # seconds; see _interpreter_tuned


def _chunk_rows(rows_total: int) -> int:
    """Rows per chunk: about a tenth of the file, so the progress bar moves about ten
    times, from MIN_CHUNK_ROWS up to IMPORT_CHUNK_ROWS. Large chunks are cheaper per row
    (each has its round trips, its scoreboard trigger run, its commit): 100k rows import
    about a fifth faster in 10,000-row chunks than in 2,000-row ones."""
    return min(settings.IMPORT_CHUNK_ROWS, max(rows_total // 10, MIN_CHUNK_ROWS))


@contextlib.contextmanager
def _interpreter_tuned() -> Iterator[None]:
    """The interpreter set for an import's two threads, and set back afterwards.

    - Python's cyclic garbage collector is paused. An import makes dozens of container
      objects a row (cleaned values, contacts, block members), all freed by reference
      counting; the collector's automatic passes over them cost about a seventh of a
      100k-row import (24.6 s with them, 21.0 s without, same peak RSS). The caller
      collects the young generation after each chunk instead, which frees any cycle a
      chunk made while the objects it kept stay few.
    - Threads switch every millisecond instead of every five. The writing thread waits
      for PostgreSQL dozens of times a chunk, and each time the cleaning thread holds the
      GIL it waited the whole interval to get it back: with five, cleaning in a thread
      saved nothing over cleaning in turn (24.8 s against 23.9 s for 100k rows); with one,
      21.4 s."""
    enabled = gc.isenabled()
    interval = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        if enabled:
            gc.enable()


def _chunks_clean(
    table: Table, mapping: dict[str, str], rules: PracticeRules, *, after: int, size: int
) -> Iterator[list[CleanRow]]:
    """The file's rows after row ``after``, cleaned, in chunks of ``size``."""
    chunk: list[CleanRow] = []
    for row, cells, problem in table.rows():
        if row <= after:
            continue
        chunk.append(row_clean(row, cells, problem, table, mapping, rules))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_END = object()


@dataclass
class _Raised:
    error: BaseException


def _one_ahead(chunks: Iterator[list[CleanRow]]) -> Iterator[list[CleanRow]]:
    """What ``chunks`` yields, the next chunk read and cleaned in a thread while this one
    is written: cleaning is Python (it holds the GIL) and writing is mostly waiting for
    PostgreSQL (which does not), so the two overlap instead of taking turns. The thread
    touches no database; an error it meets is raised here, in order.

    One ahead and no further: the thread starts on the next chunk only once this one is
    taken, so two chunks are held at a time, not three."""
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                handoff.put(chunk)
                handoff.join()  # until the consumer has taken it
                if stop.is_set():
                    return
            handoff.put(_END)
        except BaseException as error:  # handed to the consumer, which raises it
            handoff.put(_Raised(error))

    thread = threading.Thread(target=produce, name="import-clean", daemon=True)
    thread.start()
    try:
        while True:
            item = handoff.get()
            handoff.task_done()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        # The consumer stopped (done, or failed on a chunk): let the thread see it.
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.05)
                handoff.task_done()


def _rows_estimate(table: Table, path: str) -> int:
    """How many rows the progress bar counts to, known before the first chunk.

    A CSV's line breaks, counted in raw blocks (about a second for a million rows): at
    least the number of rows, more when values hold line breaks or lines are blank. The
    exact count replaces it when the import is done. A workbook's rows are counted."""
    if table.encoding == "xlsx":
        return sum(1 for _ in table.rows())
    newlines = returns = 0
    last = b""
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            newlines += block.count(b"\n")
            returns += block.count(b"\r")
            last = block[-1:]
    lines = max(newlines, returns) + (last not in (b"\n", b"\r", b""))
    return max(lines - table.header_records, 0)


def _finish(batch_id: int, status: ImportStatus, error: str) -> ImportBatch:
    batch = ImportBatch.objects.get(pk=batch_id)
    batch.status, batch.error, batch.finished_at = status, error, timezone.now()
    batch.summary = {key: batch.summary.get(key, 0) for key in SUMMARY_KEYS}
    fields = ["status", "error", "finished_at", "summary"]
    if status == ImportStatus.DONE:
        batch.rows_total = batch.rows_done  # the estimate made way for the exact count
        fields.append("rows_total")
    batch.save(update_fields=fields)
    _notify_progress(batch)
    return batch


# --- Upload, preview, start ------------------------------------------------------------


def _sha256(fileobj: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: fileobj.read(1 << 20), b""):
        digest.update(block)
    fileobj.seek(0)
    return digest.hexdigest()


def import_batch_create(
    *, practice: Practice, fileobj: IO[bytes], name: str, user=None
) -> ImportBatch:
    """Keep the uploaded file with a new batch and check it can be read.

    Raises ValidationError with a clear message (and keeps nothing) when it cannot.
    """
    size = fileobj.seek(0, 2)
    fileobj.seek(0)
    if size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            f"The file is {size / 1048576:.1f} MB; the limit is "
            f"{settings.IMPORT_MAX_BYTES / 1048576:.0f} MB."
        )
    batch = ImportBatch(
        practice=practice,
        uploaded_by=user,
        original_name=name[:255],
        size=size,
        sha256=_sha256(fileobj),
    )
    batch.file.save("upload", File(fileobj), save=False)
    try:
        sample = import_sample.sample_read(_open(batch))
        batch.sample = sample.as_json()
        batch.mapping = mapping_guess(sample.headers)
        batch.save()
    except BaseException as error:
        batch.file.delete(save=False)  # patient data: a refused upload leaves no file
        if isinstance(error, TableError):
            raise ValidationError(str(error)) from error
        raise
    return batch


def import_batch_sample(batch: ImportBatch) -> import_sample.Sample:
    """The batch's sample; a batch uploaded before samples were kept has its file read once."""
    if not batch.sample:
        batch.sample = import_sample.sample_read(_open(batch)).as_json()
        batch.save(update_fields=["sample"])
    return import_sample.Sample.from_json(batch.sample)


def import_headers(batch: ImportBatch) -> list[str]:
    return import_batch_sample(batch).headers


def import_header_row_set(*, batch: ImportBatch, header_row: int) -> ImportBatch:
    """Read the upload again with its header on ``header_row`` (a person's choice among
    the first rows), guessing the mapping anew; raises ValueError with a message."""
    if batch.status != ImportStatus.UPLOADED:
        raise ValueError("This import has already started.")
    sample = import_sample.sample_of_file(
        batch.file.path,
        filename=batch.original_name,
        max_bytes=settings.IMPORT_MAX_BYTES,
        header_row=header_row,
    )
    batch.sample = sample.as_json()
    batch.mapping = mapping_guess(sample.headers)
    batch.save(update_fields=["sample", "mapping"])
    return batch


@dataclass(frozen=True)
class PreviewRow:
    row: int
    values: dict[str, Any]
    problems: list[str]
    error: str
    cells: list[str]  # one per column of the preview, as the admin reads it


@dataclass(frozen=True)
class Preview:
    """The first rows as they will be saved, one column per mapped field."""

    columns: list[str]  # the mapped fields' labels
    rows: list[PreviewRow]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[PreviewRow]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> PreviewRow:
        return self.rows[index]


def import_preview(batch: ImportBatch, mapping: dict[str, str], limit: int = 20) -> Preview:
    from contacts.import_display import preview_cell, preview_columns

    sample = import_batch_sample(batch)
    table = import_sample.table_of(sample, batch.file.name)
    mapping = mapping_resolve(table.headers, mapping)
    rules = PracticeRules.of(batch.practice)
    default = dates.dayfirst_default(rules.country)
    rules = dataclasses.replace(rules, dayfirst=sample.dayfirst(mapping, DATE_FIELDS, default))
    columns = preview_columns(mapping)
    rows = []
    for row, cells, problem in sample.rows[:limit]:
        clean = row_clean(row, cells, problem, table, mapping, rules)
        shown = {k: v for k, v in clean.values.items() if not k.endswith("_key")}
        shown_cells = [preview_cell(name, clean.values, clean.opt_outs) for name, _ in columns]
        rows.append(PreviewRow(row, shown, clean.problems, clean.error, shown_cells))
    return Preview([label for _, label in columns], rows)


def import_batch_start(*, batch: ImportBatch, mapping: dict[str, str]) -> ImportBatch:
    """Fix the mapping and queue the batch; the task is sent once this commits."""
    from contacts.tasks import import_run

    batch.mapping = mapping_resolve(import_headers(batch), mapping)
    batch.status = ImportStatus.QUEUED
    batch.save(update_fields=["mapping", "status"])
    transaction.on_commit(lambda: import_run.delay(batch.pk))
    return batch


# --- Report ----------------------------------------------------------------------------


def csv_safe(value: Any) -> str:
    """Neutralize spreadsheet formulas on export (OWASP CSV injection): a value starting
    with = + - @ (or tab/CR) gets a leading apostrophe, unless it is a plain number such as
    "-12.50" or "+15125550123", which a spreadsheet shows as the number it is."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        if text[:1] in "+-" and text[1:].replace(".", "", 1).isdigit():
            return text
        return "'" + text
    return text


def import_report_lines(batch: ImportBatch) -> Iterator[str]:
    """The per-row report as CSV lines, streamed: the DESIGN §7 columns, the row's name
    and its values in the file (``contacts.import_display``)."""
    from contacts.import_display import report_lines

    try:
        table = _open(batch)
    except (TableError, OSError, ValueError):
        table = None  # the file is gone or unreadable: the report without its values
    rows = batch.rows.order_by("row").values_list("row", "result", "contact_id", "message")
    return report_lines(batch, table, rows.iterator(chunk_size=5000))
