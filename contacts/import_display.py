"""What an import shows a person: the preview's columns in words, and the per-row report
with each row's name and the values it had in the file.

The report's original values are read back from the file kept with the batch, row number
by row number, when the report is downloaded: an admin fixes a row from the report alone,
and the import itself stores and writes nothing more per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from contacts.csv_safety import csv_lines
from contacts.mapping import FIELD_LABELS, FIELDS
from contacts.models import ImportBatch, LastOutcome
from contacts.tabular import Table, TableError

# The DESIGN §7 columns, then the row's name; the file's own columns follow.
REPORT_COLUMNS = ("row", "result", "contact_id", "message", "name")
OPT_OUT_CHANNELS = {"sms_opt_out": "sms", "email_opt_out": "email"}


def preview_columns(mapping: dict[str, str]) -> list[tuple[str, str]]:
    """(field, label) of every mapped field, in the mapping form's order."""
    return [(name, FIELD_LABELS[name]) for name in FIELDS if mapping.get(name)]


def preview_cell(name: str, values: dict[str, Any], opt_outs: set[str]) -> str:
    """A cleaned value as the admin reads it: words for outcomes and flags, the number or
    address as typed when it is not valid, dates with the month in letters (so the
    day/month order the import chose can be checked at a glance)."""
    if name in OPT_OUT_CHANNELS:
        return "Yes" if OPT_OUT_CHANNELS[name] in opt_outs else "No"
    if name == "do_not_contact":
        return "Yes" if values.get("do_not_contact") else "No"
    if name == "phone":
        return values.get("phone") or values.get("phone_raw", "")
    if name == "email":
        return values.get("email") or values.get("email_raw", "")
    value = values.get(name)
    if name == "last_outcome":
        return LastOutcome(value).label if value else ""
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def _report_header(headers: list[str]) -> list[str]:
    """Ours, then the file's, a file column named like one of ours marked as the file's."""
    return [*REPORT_COLUMNS, *(f"{h} (file)" if h in REPORT_COLUMNS else h for h in headers)]


def report_lines(
    batch: ImportBatch, table: Table | None, results: Iterable[tuple]
) -> Iterator[str]:
    """The report as CSV lines: each of ``results`` (row, result, contact id, message, in
    row order) with the row's name and its cells from ``table`` (None: the file is gone
    or cannot be read, and only our columns are written)."""
    headers = table.headers if table else []
    mapping = batch.mapping or {}
    names = [
        headers.index(mapping[n]) for n in ("first_name", "last_name") if mapping.get(n) in headers
    ]
    empty = [""] * len(headers)

    def lines() -> Iterator[list[Any]]:
        cells_of = _cells_by_row(table)
        for row, result, contact_id, message in results:
            cells = cells_of(row) or empty
            name = " ".join(cells[at] for at in names if cells[at])
            yield [row, result, contact_id, message, name, *cells]

    return csv_lines(tuple(_report_header(headers)), lines())


def _cells_by_row(table: Table | None):
    """A function row number → that row's cells (None for an unreadable or blank row),
    reading the file once, forward: it is asked in increasing row order."""
    rows = iter(table.rows()) if table else iter(())
    current: list = [0, None]

    def cells_of(row: int) -> list[str] | None:
        try:
            while current[0] < row:
                current[0], current[1], _ = next(rows)
        except (StopIteration, TableError):
            current[0], current[1] = float("inf"), None
        return current[1] if current[0] == row else None

    return cells_of
