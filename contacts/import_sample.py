"""What the mapping page needs from an uploaded file, read once when it is uploaded.

The mapping page is shown, and its preview redrawn, many times per upload; reading the
file each time re-decoded the whole of it (a CSV is checked to its end for its encoding,
a workbook unpacked) on every view. So the upload reads it once, streaming, and keeps on
the batch its header, the first rows and how each column writes its dates; the mapping
and preview views read only that. The import itself reads the file again, in a worker.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from contacts import dates
from contacts.tabular import Table, table_open

PREVIEW_ROWS = 20
# Rows the day/month order of a column is decided from, by the preview and by the import
# (contacts.import_cleaning reads this), so both read every cell the same way.
DATE_SAMPLE_ROWS = 2000
# A preview cell longer than this is cut: cleaning keeps at most a few hundred characters
# of any value, and a 200,000-character field must not be stored on the batch.
CELL_MAX = 2000


@dataclass(frozen=True)
class Sample:
    headers: list[str]
    rows: list[tuple[int, list[str] | None, str]]  # (row, cells or None, problem)
    # Header → True (day first) or False (month first), for the columns whose dates tell.
    date_order: dict[str, bool]
    header_row: int = 1  # the file's row the header is on
    # The rows a person can pick as the header instead: (row number, its first cells).
    header_rows: list[tuple[int, str]] = field(default_factory=list)

    def dayfirst(self, mapping: dict[str, str], fields: tuple[str, ...], default: bool):
        """The date fields of ``mapping`` whose column reads day first."""
        return frozenset(
            name
            for name in fields
            if mapping.get(name) and self.date_order.get(mapping[name], default)
        )

    def as_json(self) -> dict:
        return {
            "headers": self.headers,
            "rows": [list(row) for row in self.rows],
            "date_order": self.date_order,
            "header_row": self.header_row,
            "header_rows": [list(choice) for choice in self.header_rows],
        }

    @classmethod
    def from_json(cls, data: dict) -> Sample:
        rows = [(row, cells, problem) for row, cells, problem in data["rows"]]
        choices = [(number, words) for number, words in data.get("header_rows", [])]
        return cls(data["headers"], rows, data["date_order"], data.get("header_row", 1), choices)


def sample_read(table: Table) -> Sample:
    """The header, the first rows (cells cut to CELL_MAX) and each column's date order."""
    values: dict[int, list[str]] = {at: [] for at in range(len(table.headers))}
    rows = []
    for row, cells, problem in itertools.islice(table.rows(), DATE_SAMPLE_ROWS):
        if len(rows) < PREVIEW_ROWS:
            shown = [cell[:CELL_MAX] for cell in cells] if cells is not None else None
            rows.append((row, shown, problem))
        if cells is not None:
            for at, cell in enumerate(cells):
                values[at].append(cell)
    date_order = {}
    for at, column in values.items():
        # Decided by the values when the answer is the same whatever the practice's default.
        day_first = dates.column_dayfirst(column, default=True)
        if day_first == dates.column_dayfirst(column, default=False):
            date_order[table.headers[at]] = day_first
    choices = [(number, _row_words(cells)) for number, cells in table.header_rows]
    return Sample(table.headers, rows, date_order, table.header_row, choices)


# How a row is named in the header choice: its first few cells, cut short.
CHOICE_CELLS = 6
CHOICE_CELL_CHARS = 30


def _row_words(cells: list[str]) -> str:
    shown = [
        cell if len(cell) <= CHOICE_CELL_CHARS else cell[: CHOICE_CELL_CHARS - 1] + "…"
        for cell in cells[:CHOICE_CELLS]
        if cell
    ]
    more = len([cell for cell in cells if cell]) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def table_of(sample: Sample, path: str | Path) -> Table:
    """A Table naming the sample's columns, for cleaning the sample's rows (no file read)."""
    return Table(sample.headers, "", "", _path=Path(path), _header_at=0)


def sample_of_file(
    path: str | Path, *, filename: str, max_bytes: int, header_row: int | None = None
) -> Sample:
    """The sample of a kept file, its header on ``header_row`` (None: as detected)."""
    table = table_open(path, filename=filename, max_bytes=max_bytes, header_row=header_row)
    return sample_read(table)
