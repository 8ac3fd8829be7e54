"""CSV that is safe to open in a spreadsheet (OWASP CSV injection): every exported cell
goes through ``csv_safe``, so a name such as "=HYPERLINK(...)" cannot run as a formula.
Shared by the contacts exports, the import report and the scoreboard's exports."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any


def csv_safe(value: Any) -> str:
    """Neutralize spreadsheet formulas on export: a value starting with = + - @ (or tab/CR)
    gets a leading apostrophe, unless it is a plain number such as "-12.50" or
    "+15125550123", which a spreadsheet shows as the number it is."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        if text[:1] in "+-" and text[1:].replace(".", "", 1).isdigit():
            return text
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: tuple[str, ...], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The header, then each row with every cell made safe, as CSV lines (streamed)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_safe(value) for value in row])
