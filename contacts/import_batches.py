"""An import batch before and after its run: the upload kept and checked
(``import_batch_create``), its sample, header row and preview for the mapping step, the
mapping fixed (``import_batch_start``; the caller queues the run once this commits), and
the per-row report afterwards.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File

from contacts import dates, import_sample
from contacts.import_cleaning import DATE_FIELDS, PracticeRules, batch_table, row_clean
from contacts.import_display import preview_cell, preview_columns, report_lines
from contacts.mapping import mapping_guess, mapping_resolve
from contacts.models import ImportBatch, ImportStatus
from contacts.tabular import TableError
from reactivate.models import Practice


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
        sample = import_sample.sample_read(batch_table(batch))
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
        batch.sample = import_sample.sample_read(batch_table(batch)).as_json()
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
    """Fix the mapping and mark the batch queued. The caller sends the run
    (``contacts.tasks.import_run``) once this commits, or runs it in its own process."""
    batch.mapping = mapping_resolve(import_headers(batch), mapping)
    batch.status = ImportStatus.QUEUED
    batch.save(update_fields=["mapping", "status"])
    return batch


def import_report_lines(batch: ImportBatch) -> Iterator[str]:
    """The per-row report as CSV lines, streamed: the DESIGN §7 columns, the row's name
    and its values in the file (``contacts.import_display``)."""
    try:
        table = batch_table(batch)
    except (TableError, OSError, ValueError):
        table = None  # the file is gone or unreadable: the report without its values
    rows = batch.rows.order_by("row").values_list("row", "result", "contact_id", "message")
    return report_lines(batch, table, rows.iterator(chunk_size=5000))
