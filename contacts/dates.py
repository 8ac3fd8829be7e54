"""Dates from export cells: one cell, and the day/month order of a whole column.

"05/03/1980" is the 5th of March in a day-first export and the 3rd of May in a US one,
and the cell cannot say which. So the order is decided once per column, from its values
(``column_dayfirst``: "13/05/1980" can only be day first), and every cell of the column
is read that way. A cell that does not fit its column's order is a problem for a person,
never read the other way round: read cell by cell, one column held both orders.

Two-digit years: a birth date is never in the future, so "12/22/48" is 1948 (``not_after``
is today); other dates take the century nearest to this year, as dateutil does.

Pure functions, like ``contacts.hygiene``: they never raise on bad input.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache

from dateutil import parser as date_parser

from contacts.hygiene import CACHE_SIZE, _blank, _quote, _text

# Excel counts days from 1899-12-30 (this epoch absorbs its fictional 1900-02-29, so serials
# from 61, i.e. 1900-03-01 on, are right; earlier ones are a day off and never matter here).
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_SERIAL_RANGE = (1, 80_000)
YEAR_RANGE = (1900, 2100)
# Two different defaults: a part that comes out different was missing from the text.
_DEFAULTS = (dt.datetime(2000, 1, 1), dt.datetime(2001, 2, 2))
# Day, month and year as numbers, one separator ("3/5/2024", "05.03.80", "3-5-24"); a time
# may follow. Month first or day first is the column's (see the module's docstring).
_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T].*)?", re.ASCII | re.S)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
# Where exports write the month first; elsewhere a column that does not tell is day first.
MONTH_FIRST_COUNTRIES = frozenset({"US", "CA", "PH", "FM", "MH", "PW"})


def dayfirst_default(country: str) -> bool:
    """How a practice's dates read when a column's values do not tell."""
    return country.upper() not in MONTH_FIRST_COUNTRIES


def column_dayfirst(values: Iterable[str], *, default: bool) -> bool:
    """Whether a column's numeric dates are day first, decided from its values: the order
    that more of its telling values fit (a first number over 12 can only be a day, and so
    can a second one), ``default`` when none tells or as many tell each way."""
    day_first = month_first = 0
    for value in values:
        if not (match := _NUMERIC_DATE.fullmatch(value.strip())):
            continue
        first, second = int(match[1]), int(match[3])
        if first > 12 >= second:
            day_first += 1
        elif second > 12 >= first:
            month_first += 1
    if day_first == month_first:
        return default
    return day_first > month_first


def columns_dayfirst(
    rows: Iterable[list[str] | None], positions: Mapping[str, int], *, default: bool
) -> frozenset[str]:
    """Which of the date columns at ``positions`` (field → column) read day first, from
    ``rows`` (a sample of the file: every cell the same way, whatever the sample)."""
    if not positions:
        return frozenset()
    values: dict[str, list[str]] = {name: [] for name in positions}
    for cells in rows:
        if cells is not None:
            for name, at in positions.items():
                values[name].append(cells[at])
    return frozenset(
        name for name, column in values.items() if column_dayfirst(column, default=default)
    )


def _checked(day: dt.date, raw: object, not_after: dt.date | None) -> tuple[dt.date | None, str]:
    """Reject typo years ("3/5/2204", "0024-03-05") rather than store a nonsense date, and
    dates after ``not_after`` (a birth date in the future)."""
    if not YEAR_RANGE[0] <= day.year <= YEAR_RANGE[1]:
        return None, f"date {_quote(str(raw))} is out of range"
    if not_after is not None and day > not_after:
        return None, f"date {_quote(str(raw))} is in the future"
    return day, ""


def _excel_serial(
    value: float | Decimal, raw: object, not_after: dt.date | None
) -> tuple[dt.date | None, str]:
    low, high = EXCEL_SERIAL_RANGE
    if not low <= value <= high:
        return None, f"date {_quote(str(raw))} not understood"
    return _checked(EXCEL_EPOCH + dt.timedelta(days=int(value)), raw, not_after)


def date_parse(
    raw: str | float | int | dt.date | None,
    *,
    dayfirst: bool = False,
    not_after: dt.date | None = None,
) -> tuple[dt.date | None, str]:
    """A date from an export cell, and the problem in words; (None, "") when blank.

    Reads ISO, numbers in the column's order ("3/5/24"; ``dayfirst`` for a day-first
    column), written-out months, "20240305", date objects from XLSX and Excel serial
    numbers (45356 → 2024-03-05). ``not_after``: the latest date that makes sense (today,
    for a birth date); two-digit years then take the century that keeps the date before it.
    """
    if isinstance(raw, dt.datetime):
        return _checked(raw.date(), raw, not_after)
    if isinstance(raw, dt.date):
        return _checked(raw, raw, not_after)
    if isinstance(raw, bool):
        return None, f"date {_quote(str(raw))} not understood"
    if isinstance(raw, int | float):
        if raw != raw:  # NaN, as pandas writes an empty cell
            return None, ""
        return _excel_serial(raw, raw, not_after)
    text = raw if isinstance(raw, str) else _text(raw)
    return _date_text(text, dayfirst, not_after, dt.date.today().year)


def _century(short: int, month: int, day: int, not_after: dt.date | None, this_year: int) -> int:
    """The four-digit year of a two-digit one."""
    if not_after is not None:
        year = not_after.year // 100 * 100 + short
        return (
            year - 100
            if (year, month, day) > (not_after.year, not_after.month, not_after.day)
            else year
        )
    year = this_year // 100 * 100 + short  # dateutil's rule: within 50 years of this year
    if year >= this_year + 50:
        return year - 100
    return year + 100 if year < this_year - 50 else year


@lru_cache(maxsize=CACHE_SIZE)
def _date_text(
    raw: str, dayfirst: bool, not_after: dt.date | None, this_year: int
) -> tuple[dt.date | None, str]:
    text = raw.strip()
    if _blank(text):
        return None, ""
    if re.fullmatch(r"\d{4}", text) and YEAR_RANGE[0] <= int(text) <= YEAR_RANGE[1]:
        # A bare year is far likelier than Excel day 2024 (1905-07-16).
        return None, f"date {_quote(text)} has no month or day"
    if re.fullmatch(r"\d{1,5}(\.\d+)?", text):
        return _excel_serial(Decimal(text), text, not_after)
    if re.fullmatch(r"\d{8}", text):
        # Compact YYYYMMDD, which dateutil might read some other way round.
        try:
            return _checked(dt.datetime.strptime(text, "%Y%m%d").date(), text, not_after)
        except ValueError:
            return None, f"date {_quote(text)} not understood"
    if numeric := _NUMERIC_DATE.fullmatch(text):
        return _numeric_date(text, numeric, dayfirst, not_after, this_year)
    if iso := _ISO_DATE.fullmatch(text):
        try:
            return _checked(dt.date(*map(int, iso.groups())), text, not_after)
        except ValueError:
            return None, f"date {_quote(text)} not understood"
    # Written-out months and the rest.
    read, missing = free_text_read(text, dayfirst)
    if read is None:
        return None, f"date {_quote(text)} not understood"
    if missing:
        return None, f"date {_quote(text)} has no {' or '.join(missing)}"
    day = read.date()
    if not_after is not None and day > not_after and str(day.year) not in text:
        # dateutil's century for a two-digit year ("5-Mar-48"): the one before it.
        try:
            day = day.replace(year=day.year - 100)
        except ValueError:  # 29 February of a year that is not a leap year
            return None, f"date {_quote(text)} not understood"
    return _checked(day, text, not_after)


def free_text_read(text: str, dayfirst: bool) -> tuple[dt.datetime | None, list[str]]:
    """dateutil's reading of a date written any way ("5 March 1980", "Dec 9, 2026 10:00"),
    naive, and the parts of a date the text did not give ("year", "month", "day"); (None,
    []) when dateutil cannot read it. Read twice with two different defaults: a part that
    comes out different was missing. ignoretz: zone names dateutil does not know ("PT")
    would warn, and no caller keeps a zone read from free text."""
    try:
        first, second = (
            date_parser.parse(text, dayfirst=dayfirst, default=default, ignoretz=True)
            for default in _DEFAULTS
        )
    except (ValueError, OverflowError, TypeError):  # dateutil's errors for odd text
        return None, []
    missing = [
        part for part in ("year", "month", "day") if getattr(first, part) != getattr(second, part)
    ]
    return first, missing


def _numeric_date(
    text: str, match: re.Match, dayfirst: bool, not_after: dt.date | None, this_year: int
) -> tuple[dt.date | None, str]:
    first, second, year_text = int(match[1]), int(match[3]), match[4]
    day, month = (first, second) if dayfirst else (second, first)
    if month > 12 and day <= 12:
        order = "month first" if dayfirst else "day first"
        column = "day first" if dayfirst else "month first"
        return None, f"date {_quote(text)} reads {order}, but this column's dates are {column}"
    if len(year_text) == 4:
        year = int(year_text)
    else:
        year = _century(int(year_text), month, day, not_after, this_year)
    try:
        return _checked(dt.date(year, month, day), text, not_after)
    except ValueError:
        return None, f"date {_quote(text)} not understood"
