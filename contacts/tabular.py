"""Read a practice's spreadsheet export (CSV or XLSX) into a header and rows of strings.

``table_open`` checks the file up front (size, type, text encoding, delimiter, header row)
and raises ``TableError`` with a one-line message for the admin when it cannot be read at
all. ``Table.rows()`` then streams the data rows; a row that cannot be used is yielded with
``cells=None`` and a ``problem``, and reading continues with the next row.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from contacts.mapping import header_matches

__all__ = ["Table", "TableError", "table_open"]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls; also password-protected .xlsx
UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
HEAD_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_RECORDS = 50
# The header is looked for among this many first non-blank rows, and a row below the first
# is taken only when at least this many of its cells name known columns.
HEADER_SCAN = 10
HEADER_MIN_MATCHES = 2
MEGABYTE = 1024 * 1024

MSG_EMPTY = "The file is empty."
MSG_XLS = "Old Excel .xls files are not supported: save as .xlsx or CSV."
MSG_XLSX_DAMAGED = "This .xlsx file is damaged or not an Excel workbook."
MSG_BINARY = "This does not look like a CSV or Excel file."
MSG_ENCODING = "The file's text encoding is not recognized: save it as UTF-8 CSV."
MSG_NO_HEADER = "No header row: the first row must name the columns (e.g. First Name, Phone)."
MSG_ENCRYPTED = "This Excel file is password-protected: remove the password and save it again."
MSG_XLSB = "Excel binary .xlsb files are not supported: save as .xlsx or CSV."
MSG_ODS = "OpenDocument .ods files are not supported: save as .xlsx or CSV."
MSG_MARKUP = "This file is a web page or XML, not CSV or Excel: save it as .xlsx or CSV."
MSG_NO_SHEET = "This workbook has no worksheet."
MSG_SHEET_EMPTY = "The first worksheet of this workbook is empty."


class TableError(ValueError):
    """A file we cannot read at all; str(error) is a clear message for the admin."""


@dataclass
class Table:
    """An opened export: the header and how to stream its data rows."""

    headers: list[str]
    encoding: str  # "utf-8", "utf-8-sig", "cp1252" or "xlsx"
    delimiter: str  # ",", ";", "\t", "|"; "" for xlsx
    _path: Path = field(kw_only=True, repr=False)
    # CSV: records before the header (leading blank ones) plus the header itself.
    # XLSX: the worksheet row number of the header.
    _header_at: int = field(kw_only=True, repr=False)
    # CSV: bytes to skip at the start (a UTF-8 BOM when decoding as cp1252).
    _skip: int = field(default=0, kw_only=True, repr=False)
    # The rows the header could be (the first non-blank ones): (row number, cells).
    header_rows: list[tuple[int, list[str]]] = field(default_factory=list, kw_only=True)

    @property
    def header_row(self) -> int:
        """The header's row: the CSV record or worksheet row number, from 1."""
        return self._header_at

    @property
    def header_records(self) -> int:
        """Records up to and including the header (leading blank ones included)."""
        return self._header_at

    def rows(self) -> Iterator[tuple[int, list[str] | None, str]]:
        """Yield ``(row_number, cells, problem)`` for every non-blank data row, streaming.

        ``row_number`` counts rows under the header, from 1; blank rows are skipped but
        still counted, so the header's spreadsheet row + row_number is the row in the
        spreadsheet. ``cells`` has exactly ``len(headers)`` stripped strings, or is None
        when the row is malformed, and ``problem`` then says why ("" otherwise).
        """
        if self.encoding == "xlsx":
            yield from self._xlsx_rows()
        else:
            yield from self._csv_rows()

    def _csv_rows(self) -> Iterator[tuple[int, list[str] | None, str]]:
        records = _csv_records(self._path, self.encoding, self.delimiter, self._skip)
        for index, record, problem in records:
            if index <= self._header_at:
                continue
            row_number = index - self._header_at
            if record is None:
                yield row_number, None, problem
                continue
            cells = [cell.strip() for cell in record]
            if not any(cells):
                continue
            yield row_number, *_fit(cells, len(self.headers))

    def _xlsx_rows(self) -> Iterator[tuple[int, list[str] | None, str]]:
        for number, cells in _xlsx_records(self._path):
            if number <= self._header_at or not any(cells):
                continue
            yield number - self._header_at, *_fit(cells, len(self.headers), pad=True)


def table_open(
    path: str | os.PathLike,
    *,
    filename: str | None = None,
    max_bytes: int = 50 * 1024 * 1024,
    header_row: int | None = None,
) -> Table:
    """Check ``path`` and return its ``Table``; raise ``TableError`` if it cannot be read.

    ``filename`` is the name the file was uploaded under (for its extension); the type is
    decided by content, the extension only refines the error message. ``header_row`` is
    the row a person chose as the header; None: the row that looks most like one
    (``header_choose``).
    """
    path = Path(path)
    suffix = Path(filename or path.name).suffix.lower()
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise TableError(
                f"The file is {size / MEGABYTE:.1f} MB; the limit is {max_bytes / MEGABYTE:.0f} MB."
            )
        if size == 0:
            raise TableError(MSG_EMPTY)
        with open(path, "rb") as file:
            head = file.read(HEAD_BYTES)
        if head.startswith(ZIP_MAGIC):
            return _open_xlsx(path, max_bytes, header_row)
        if head.startswith(OLE_MAGIC):
            if suffix in {".xlsx", ".xlsm"} or "EncryptedPackage".encode("utf-16-le") in head:
                raise TableError(MSG_ENCRYPTED)
            raise TableError(MSG_XLS)
        if suffix in {".xlsx", ".xlsm"} and head.strip(UTF8_BOM + b" \t\r\n"):
            raise TableError(MSG_XLSX_DAMAGED)
        return _open_csv(path, head, header_row)
    except OSError as error:
        raise TableError(f"The file could not be read ({error.strerror or error}).") from error


# CSV ---------------------------------------------------------------------------------------


def _open_csv(path: Path, head: bytes, header_row: int | None) -> Table:
    if b"\x00" in head:
        raise TableError(MSG_ENCODING if head.startswith(UTF16_BOMS) else MSG_BINARY)
    encoding, skip = _detect_encoding(path, head)
    sample = _decode_sample(head[skip:], encoding)
    if re.match(r"\s*<(?:!doctype\s+html|html|\?xml|table)\b", sample, re.IGNORECASE):
        raise TableError(MSG_MARKUP)
    delimiter = _detect_delimiter(sample, truncated=len(head) == HEAD_BYTES)

    candidates: list[tuple[int, list[str]]] = []
    with closing(_csv_records(path, encoding, delimiter, skip)) as records:
        for index, record, problem in records:
            if record is None:
                if not candidates:
                    raise TableError(f"The header row could not be read: {problem}.")
                break
            cells = [cell.strip() for cell in record]
            if any(cells):
                candidates.append((index, cells))
                if len(candidates) == HEADER_SCAN:
                    break
    if not candidates:
        raise TableError(MSG_EMPTY)
    index, headers = header_choose(candidates, header_row)
    return Table(
        headers,
        encoding,
        delimiter,
        _path=path,
        _header_at=index,
        _skip=skip,
        header_rows=candidates,
    )


def _detect_encoding(path: Path, head: bytes) -> tuple[str, int]:
    """Return (encoding, bytes to skip) that decodes the whole file; check it is not blank."""
    has_bom = head.startswith(UTF8_BOM)
    for encoding in ("utf-8-sig" if has_bom else "utf-8", "cp1252"):
        skip = len(UTF8_BOM) if has_bom and encoding == "cp1252" else 0
        try:
            blank = _decode_all(path, encoding, skip)
        except UnicodeDecodeError:
            continue
        if blank:
            raise TableError(MSG_EMPTY)
        return encoding, skip
    raise TableError(MSG_ENCODING)


def _decode_all(path: Path, encoding: str, skip: int) -> bool:
    """Decode the whole file in chunks (raising UnicodeDecodeError); True if it is blank."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    blank = True
    with open(path, "rb") as file:
        file.seek(skip)
        while chunk := file.read(CHUNK_BYTES):
            text = decoder.decode(chunk)
            if blank and text.replace("\ufeff", "").strip():
                blank = False
        decoder.decode(b"", final=True)
    return blank


def _decode_sample(head: bytes, encoding: str) -> str:
    # Not final: a multi-byte character cut at the end of the head is left out.
    return codecs.getincrementaldecoder(encoding)(errors="strict").decode(head)


def _detect_delimiter(sample: str, *, truncated: bool) -> str:
    """Pick the delimiter that splits the header into the most columns consistently.

    Each candidate parses the first records (so quoted delimiters and newlines do not
    count); candidates that leave the header as one column are out. The best has the most
    data rows with as many values as the header, then the most header columns.
    """
    parsed = {d: _sample_records(sample, d, truncated=truncated) for d in DELIMITERS}
    # A title above the header ("Patient export — printed 12/07/2026") is one cell under
    # every delimiter, where a header splits under its own: such leading records are
    # left out, so the header decides.
    titles = min(_leading_single_cells(records) for records in parsed.values())
    best, best_score = ",", (-1.0, 0)
    for delimiter, records in parsed.items():
        records = records[titles:]
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        data = records[1:]
        consistent = sum(len(record) == width for record in data) / len(data) if data else 1.0
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _leading_single_cells(records: list[list[str]]) -> int:
    count = 0
    while count < len(records) - 1 and len(records[count]) < 2:
        count += 1
    return count


def _sample_records(sample: str, delimiter: str, *, truncated: bool) -> list[list[str]]:
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append(record)
            if len(records) > SAMPLE_RECORDS:
                break
    except csv.Error:
        pass
    if truncated and len(records) > 1 and len(records) <= SAMPLE_RECORDS:
        records.pop()  # the last record may be cut short by the end of the sample
    return records[:SAMPLE_RECORDS]


def _csv_records(
    path: Path, encoding: str, delimiter: str, skip: int
) -> Iterator[tuple[int, list[str] | None, str]]:
    """Yield (index from 1, fields, "") per CSV record, or (index, None, problem)."""
    try:
        with open(path, "rb") as raw:
            raw.seek(skip)
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            reader = csv.reader(text, delimiter=delimiter)
            index = 0
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    index += 1
                    yield index, None, _csv_problem(error)
                    continue
                index += 1
                if any("\x00" in cell for cell in record):
                    yield index, None, "row contains a NUL character (the file may be damaged)"
                else:
                    yield index, record, ""
    except (OSError, UnicodeDecodeError) as error:
        raise TableError(f"The file could not be read to the end ({error}).") from error


def _csv_problem(error: csv.Error) -> str:
    message = str(error)
    if "field larger than field limit" in message:
        return (
            f"a value is longer than {csv.field_size_limit():,} characters "
            "(often a quote mark that is never closed)"
        )
    return f"the row could not be read ({message})"


# XLSX --------------------------------------------------------------------------------------


def _open_xlsx(path: Path, max_bytes: int, header_row: int | None) -> Table:
    _check_zip(path, max_bytes)
    candidates: list[tuple[int, list[str]]] = []
    with closing(_xlsx_records(path)) as records:
        for number, cells in records:
            if any(cells):
                candidates.append((number, cells))
                if len(candidates) == HEADER_SCAN:
                    break
    if not candidates:
        raise TableError(MSG_SHEET_EMPTY)
    number, headers = header_choose(candidates, header_row)
    return Table(headers, "xlsx", "", _path=path, _header_at=number, header_rows=candidates)


# An .xlsx is a zip of XML files, and what it unpacks to is what reading it costs: a 3 MB
# upload whose shared strings unpack to 1.5 GB took the web process to 1.8 GB. The sizes
# the archive declares bound what unpacking can produce (zipfile stops at the declared
# size), so they are checked before any of it is parsed.
# - All entries together: at most this many times the upload limit (sheets are streamed).
UNZIPPED_MAX_FACTOR = 10
# - The shared strings, which openpyxl holds in memory whole: at most twice the limit.
SHARED_STRINGS_MAX_FACTOR = 2
# - Any entry over a few megabytes unpacking to more than this many times its packed size:
#   spreadsheet XML packs about 5 to 20 times; a bomb packs hundreds of times.
RATIO_MAX = 100
RATIO_FROM_BYTES = 8 * MEGABYTE
MSG_XLSX_TOO_BIG = (
    "This workbook unpacks to {size:,.0f} MB, more than can be read safely "
    "(the limit is {limit:,.0f} MB): save it as CSV and upload that."
)
MSG_XLSX_BOMB = (
    "This workbook is not a normal export: part of it unpacks to {ratio:,.0f} times its "
    "size. Open it in Excel, save it as CSV and upload that."
)


def _check_zip(path: Path, max_bytes: int) -> None:
    """Tell other zip-based formats apart from a damaged workbook, and refuse an archive
    that unpacks to more than can be read safely, all before any XML is parsed."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if "xl/workbook.bin" in names:
                raise TableError(MSG_XLSB)
            if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:200]:
                raise TableError(MSG_ODS)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as error:
        raise TableError(MSG_XLSX_DAMAGED) from error
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_FROM_BYTES and ratio > RATIO_MAX:
            raise TableError(MSG_XLSX_BOMB.format(ratio=ratio))
        if entry.filename.lower().endswith("sharedstrings.xml"):
            _check_unzipped(entry.file_size, SHARED_STRINGS_MAX_FACTOR * max_bytes)
    _check_unzipped(sum(entry.file_size for entry in entries), UNZIPPED_MAX_FACTOR * max_bytes)


def _check_unzipped(size: int, limit: int) -> None:
    if size > limit:
        raise TableError(MSG_XLSX_TOO_BIG.format(size=size / MEGABYTE, limit=limit / MEGABYTE))


def _xlsx_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (worksheet row number, stripped cell strings) for each row of the first sheet."""
    with open(path, "rb") as file:
        try:
            with warnings.catch_warnings():
                # e.g. "Workbook contains no default style" or unsupported extensions.
                warnings.simplefilter("ignore")
                workbook = load_workbook(file, read_only=True, data_only=False)
        except TableError:
            raise
        except Exception as error:
            raise TableError(MSG_XLSX_DAMAGED) from error
        try:
            if not workbook.worksheets:
                raise TableError(MSG_NO_SHEET)
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # some writers record a wrong size; read every row
            rows = enumerate(sheet.iter_rows(), start=1)
            while True:
                try:
                    number, row = next(rows)
                    cells = [_cell_text(cell.value) for cell in row]
                except StopIteration:
                    return
                except Exception as error:
                    raise TableError(MSG_XLSX_DAMAGED) from error
                yield number, cells
        finally:
            workbook.close()


def _cell_text(value: object) -> str:
    """Excel cell value as text: formulas stay formula text, numbers lose a useless ".0"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.microsecond:
            value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, ArrayFormula):
        return (value.text or "=").strip()
    if isinstance(value, DataTableFormula):
        return "=TABLE()"  # a what-if data table: flagged as a formula like the others
    return str(value).strip()


# Header and rows ---------------------------------------------------------------------------


def header_choose(
    candidates: list[tuple[int, list[str]]], chosen: int | None
) -> tuple[int, list[str]]:
    """The header's row number and column names, from the first non-blank rows.

    PMS exports often print a title above the header ("Patient export — printed
    12/07/2026"), so the header is the row whose cells name the most known columns, when
    it names at least two and more than the first row does; otherwise the first row, as
    before. ``chosen``: the row a person picked instead.
    """
    if chosen is not None:
        for number, cells in candidates:
            if number == chosen:
                return number, _make_headers(cells)
        raise TableError(f"Row {chosen} is not one of the first rows of the file.")
    scores = [header_matches(cells) for _, cells in candidates]
    best = max(range(len(candidates)), key=lambda at: (scores[at], -at))
    if scores[best] < HEADER_MIN_MATCHES or scores[best] <= scores[0]:
        best = 0
    number, cells = candidates[best]
    return number, _make_headers(cells)


def _make_headers(cells: list[str]) -> list[str]:
    """Name every column; blank cells after the last named one are not columns."""
    while cells and not cells[-1]:
        cells = cells[:-1]  # a trailing delimiter, or formatted but empty Excel columns
    if all(not cell or _looks_like_data(cell) for cell in cells):
        raise TableError(MSG_NO_HEADER)
    headers: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(cells, start=1):
        base = cell or f"Column {position}"
        header, copy = base, 1
        while header.casefold() in seen:
            copy += 1
            header = f"{base} ({copy})"
        seen.add(header.casefold())
        headers.append(header)
    return headers


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_NAMED_DATE = re.compile(
    rf"(?:\d{{1,2}}[\s./-]*{_MONTH}|{_MONTH}[\s./-]*\d{{1,2}}(?:st|nd|rd|th)?)[\s,./-]*\d{{2,4}}",
    re.IGNORECASE,
)


def _looks_like_data(cell: str) -> bool:
    """An e-mail address, a phone number, an amount, an ID or a date: not a column name."""
    if "@" in cell:
        return True
    compact = re.sub(r"\s", "", cell)
    digits = sum(char.isdigit() for char in compact)
    if digits and digits * 2 >= len(compact):
        return True
    return bool(_NAMED_DATE.fullmatch(cell.strip()))


# Control characters other than tab and line breaks (which a quoted value may hold): never
# meant in a patient list, and matching keys rely on their absence (contacts.dedupe.key_array).
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _fit(cells: list[str], width: int, *, pad: bool = False) -> tuple[list[str] | None, str]:
    """Cells trimmed to ``width`` (blank extra cells are harmless) with control characters
    dropped, or None and a problem."""
    if _CONTROLS.search("".join(cells)):
        cells = [_CONTROLS.sub("", cell).strip() for cell in cells]
    if len(cells) > width:
        used = len(cells)
        while used > width and not cells[used - 1]:
            used -= 1
        if used > width:
            return None, f"row has {_count(used, 'value')} but the header has {_count(width)}"
        cells = cells[:width]
    if len(cells) < width:
        if not pad:
            return None, (
                f"row has {_count(len(cells), 'value')} but the header has {_count(width)}"
            )
        cells = cells + [""] * (width - len(cells))
    return cells, ""


def _count(number: int, noun: str = "column") -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
