"""Building import files and running imports in tests, through the real pipeline."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from contacts.import_batches import import_batch_create
from contacts.import_candidates import CandidateFinder
from contacts.import_cleaning import PracticeRules, batch_table, row_clean
from contacts.import_runs import _chunk_commit, import_batch_run
from contacts.import_writer import RunState
from contacts.mapping import mapping_resolve
from contacts.models import ImportBatch, ImportStatus

HEADER = [
    "Chart #",
    "Pt First Name",
    "Pt Last Name",
    "Cell",
    "E-mail",
    "DOB",
    "Last Appt Status",
    "Last Visit",
]


def csv_bytes(
    rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(practice, data: bytes, name: str = "export.csv", user=None) -> ImportBatch:
    return import_batch_create(practice=practice, fileobj=io.BytesIO(data), name=name, user=user)


def run_import(
    practice, data: bytes, name: str = "export.csv", mapping=None, chunk_rows: int | None = None
) -> ImportBatch:
    """Upload, queue with the guessed (or given) mapping, and apply in this process."""
    batch = upload(practice, data, name)
    batch.mapping = {**batch.mapping, **(mapping or {})}
    batch.status = ImportStatus.QUEUED
    batch.save()
    return import_batch_run(batch.pk, chunk_rows=chunk_rows)


def first_rows_applied(practice, data: bytes, last_row: int) -> ImportBatch:
    """A batch whose worker applied its rows up to ``last_row`` in one chunk, which
    committed, and died: as it left the batch (running)."""
    batch = upload(practice, data)
    batch.status = ImportStatus.QUEUED
    batch.save()
    table = batch_table(batch)
    mapping = mapping_resolve(table.headers, batch.mapping)
    rules = PracticeRules.of(practice)
    first = [
        row_clean(n, cells, problem, table, mapping, rules)
        for n, cells, problem in table.rows()
        if n <= last_row
    ]
    _chunk_commit(batch.pk, first, RunState(), CandidateFinder(practice, set()))
    batch.refresh_from_db()
    batch.status = ImportStatus.RUNNING
    batch.save(update_fields=["status"])
    return batch


def write(tmp_path: Path, data: bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path
