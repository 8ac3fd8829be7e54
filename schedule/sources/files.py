"""Appointment exports (CSV or XLSX): an upload with its column mapping and preview, the
command's ``--file``, and a drop folder per practice that beat polls, so a practice
system's scheduled report (or an SFTP drop) is synced without a person.

The file is read by the contacts import's reader (``contacts.tabular``) and mapped by its
mapping (``contacts.mapping``, given this export's fields, ``file_columns``): one way of
reading a practice's spreadsheets. A file is synced once, by the SHA-256 of its content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from contacts.dates import columns_dayfirst, date_parse, dayfirst_default
from contacts.mapping import mapping_merge
from contacts.tabular import Table, table_open
from reactivate.models import Practice
from schedule.models import AppointmentStatus, RunStatus, Source, SourceKind, SyncRun
from schedule.records import AppointmentRecord, Page, PatientRef, Problem, aware, status_key
from schedule.records import status_of as known_status_of
from schedule.sources import SourceError
from schedule.sources.file_columns import (
    FIELD_LABELS,
    FIELDS,
    HEADER_SYNONYMS,
    datetime_parse,
    time_parse,
)
from schedule.sync import (
    RUN_SILENT_AFTER,
    SUMMARY_KEYS,
    AlreadySynced,
    run_fail,
    run_start,
    source_sync,
    summary,
)

__all__ = [
    "EXPORT_NAME",
    "FIELDS",
    "FIELD_LABELS",
    "HEADER_SYNONYMS",
    "FileReader",
    "drop_folder",
    "drop_folders_poll",
    "export_source",
    "file_headers",
    "file_preview",
    "file_sync",
    "mapping_for",
]

logger = logging.getLogger(__name__)

EXPORT_NAME = "Appointment export"
PAGE_ROWS = 5000
# The first rows decide whether a column's numeric dates are day first (contacts.dates).
DAYFIRST_SAMPLE = 1000
DROP_SUFFIXES = (".csv", ".xlsx")
# A file written to within this many seconds may still be arriving: the next pass takes it.
DROP_STABLE_SECONDS = 5.0
PROCESSING, PROCESSED, FAILED = "processing", "processed", "failed"
_STAMP = "%Y%m%dT%H%M%S%fZ"
_STAMP_LEN = len(dt.datetime(2000, 1, 1).strftime(_STAMP))

MSG_NO_ID = "Map the column that holds the appointment id (e.g. 'Appt #' or 'AptNum')."
MSG_NO_WHEN = (
    "Map the appointment's date and time: one column holding both, or a date column "
    "(with a time column if the time is separate)."
)


def export_source(practice: Practice) -> Source:
    """The practice's appointment-export source (uploads, the command, the drop folder)."""
    source, _ = Source.objects.get_or_create(
        practice=practice, name=EXPORT_NAME, defaults={"kind": SourceKind.FILE}
    )
    return source


def file_headers(path: str | os.PathLike, filename: str = "") -> list[str]:
    """The export's column names; ValueError (one sentence) when it is not a table."""
    return table_open(path, filename=filename or None).headers


def _saved(source: Source) -> dict[str, str]:
    return {
        field: header
        for field, header in (source.mapping or {}).items()
        if field in FIELDS and isinstance(header, str)
    }


def mapping_for(source: Source, headers: list[str], given: dict | None) -> dict[str, str]:
    """Our field → the file's header: ``given`` over the source's saved mapping (where its
    headers are in this file) over guesses. ValueError in words when a given field or
    header is not there, or the appointment id or its date cannot be found."""
    given = {key: value for key, value in (given or {}).items() if key != "status_words"}
    saved = {field: header for field, header in _saved(source).items() if header in headers}
    mapping = mapping_merge(headers, {**saved, **given}, fields=FIELDS, synonyms=HEADER_SYNONYMS)
    if "time" in mapping and not ({"start", "date"} & mapping.keys()):
        # A lone "Start Time" column holds the date too (a time alone names no day).
        mapping["start"] = mapping.pop("time")
    if "appointment_id" not in mapping:
        raise ValueError(MSG_NO_ID)
    if not ({"start", "date"} & mapping.keys()):
        raise ValueError(MSG_NO_WHEN)
    return mapping


class FileReader:
    """Reads one export into pages of at most ``PAGE_ROWS`` records, streaming (a 200k-row
    export is read in constant memory). Implements ``schedule.sources.Reader``."""

    def __init__(
        self,
        source: Source,
        path: str | os.PathLike,
        *,
        filename: str = "",
        mapping: dict[str, str],
    ) -> None:
        self.source, self.path, self.filename = source, Path(path), filename
        self.mapping = mapping
        practice = source.practice
        self.zone = practice.time_zone
        self.default_dayfirst = dayfirst_default(practice.country)
        extra = (source.mapping or {}).get("status_words") or {}
        self.status_words = {
            status_key(str(word)): status
            for word, status in extra.items()
            if status in AppointmentStatus.values
        }
        self.today = timezone.localdate(timezone.now(), self.zone)

    # Reading ---------------------------------------------------------------------------

    def items(self) -> Iterator[AppointmentRecord | Problem]:
        """Each data row as a record, or the problem that kept it out, in file order."""
        try:
            table = table_open(self.path, filename=self.filename or None)
            yield from self._items(table)
        except ValueError as error:  # contacts.tabular.TableError: not a table, or damaged
            raise SourceError(str(error)) from error

    def _items(self, table: Table) -> Iterator[AppointmentRecord | Problem]:
        positions = {}
        for field, header in self.mapping.items():
            if header not in table.headers:
                raise ValueError(f"Column(s) not in the file: {header}.")
            positions[field] = table.headers.index(header)
        rows = table.rows()
        head = list(itertools.islice(rows, DAYFIRST_SAMPLE))
        dated = {
            field: positions[field]
            for field in ("start", "date", "date_of_birth", "updated_at")
            if field in positions
        }
        self.dayfirst = columns_dayfirst(
            (cells for _, cells, _ in head), dated, default=self.default_dayfirst
        )
        for number, cells, problem in itertools.chain(head, rows):
            where = f"row {number}"
            if cells is None:
                yield Problem(where, f"The row was skipped: {problem}.")
                continue
            yield self._row(where, {f: cells[at] for f, at in positions.items()})

    def _row(self, where: str, cell: dict[str, str]) -> AppointmentRecord | Problem:
        key = cell.get("appointment_id", "")[:200]
        if not key:
            return Problem(where, "The row has no appointment id: it was skipped.")
        start, problem = self._start(cell)
        if problem:
            return Problem(where, f"The row was skipped: {problem}.")
        if start is None:
            return Problem(where, "The row has no appointment date: it was skipped.")
        word = cell.get("status", "")
        if word:
            status = self.status_words.get(status_key(word)) or known_status_of(word)
        else:
            # An export without a status lists the appointments booked.
            status = AppointmentStatus.BOOKED
        updated = None
        if raw := cell.get("updated_at"):
            updated, _ = datetime_parse(raw, "updated_at" in self.dayfirst)
            updated = aware(updated, self.zone) if updated else None
        birth = None
        if raw := cell.get("date_of_birth"):
            # An unreadable birth date is left out: matching uses the other fields.
            birth, _ = date_parse(
                raw, dayfirst="date_of_birth" in self.dayfirst, not_after=self.today
            )
        return AppointmentRecord(
            key=key,
            patient=PatientRef(
                external_id=cell.get("patient_external_id", ""),
                first_name=cell.get("first_name", ""),
                last_name=cell.get("last_name", ""),
                date_of_birth=birth,
                phone=cell.get("phone", ""),
                email=cell.get("email", ""),
            ),
            start=start,
            status=status,
            status_word=word[:100],
            appointment_type=cell.get("appointment_type", ""),
            provider=cell.get("provider", ""),
            location=cell.get("location", ""),
            source_updated_at=updated,
            where=where,
        )

    def _start(self, cell: dict[str, str]) -> tuple[dt.datetime | None, str]:
        """The start, from a date-and-time column or a date and a time column; a time
        without a zone is read in the practice's zone (``schedule.records.aware``)."""
        at: dt.datetime | None = None
        if raw := cell.get("start"):
            at, problem = datetime_parse(raw, "start" in self.dayfirst)
            if problem:
                return None, problem
        if at is None and (raw := cell.get("date")):
            at, problem = datetime_parse(raw, "date" in self.dayfirst)
            if problem:
                return None, problem
        if at is not None and at.time() == dt.time() and (raw := cell.get("time")):
            clock, problem = time_parse(raw)
            if problem:
                return None, problem
            if clock is not None:
                at = at.replace(hour=clock.hour, minute=clock.minute, second=clock.second)
        if at is None:
            return None, ""
        return aware(at, self.zone), ""

    def pages(self) -> Iterator[Page]:
        page = Page()
        for item in self.items():
            if isinstance(item, Problem):
                page.problems.append(item)
            else:
                page.records.append(item)
            if len(page.records) + len(page.problems) >= PAGE_ROWS:
                yield page
                page = Page()
        if page.records or page.problems:
            yield page


def file_preview(
    source: Source,
    path: str | os.PathLike,
    *,
    filename: str = "",
    mapping: dict[str, str],
    rows: int = 10,
) -> list[AppointmentRecord | Problem]:
    """The first ``rows`` rows as the sync would read them (records, or their problems)."""
    reader = FileReader(source, path, filename=filename, mapping=mapping)
    try:
        return list(itertools.islice(reader.items(), rows))
    except SourceError as error:
        raise ValueError(str(error)) from error


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def file_sync(
    source: Source,
    path: str | os.PathLike,
    *,
    trigger: str,
    mapping: dict | None = None,
    file_name: str = "",
) -> SyncRun:
    """Sync one export into ``source``. Raises AlreadySynced for a file synced before (the
    same content: nothing changes), and ValueError (after failing the run with the same
    words) when the file is not a table or the mapping cannot be used. The mapping used
    is kept on the source, so the drop folder reads the next report the same way."""
    path = Path(path)
    file_name = file_name or path.name
    try:
        content_hash = _sha256(path)
    except OSError as error:
        raise ValueError(f"The file could not be read ({error.strerror or error}).") from None
    run = run_start(source, trigger=trigger, file_name=file_name, content_hash=content_hash)
    try:
        headers = file_headers(path, file_name)
        resolved = mapping_for(source, headers, mapping)
    except ValueError as error:
        run_fail(run, str(error))
        raise
    kept = dict(resolved)
    words = (mapping or {}).get("status_words", (source.mapping or {}).get("status_words"))
    if isinstance(words, dict) and words:
        kept["status_words"] = words
    Source.objects.filter(pk=source.pk).update(mapping=kept)
    source.mapping = kept
    reader = FileReader(source, path, filename=file_name, mapping=resolved)
    return source_sync(source, reader, run)


# The drop folder -----------------------------------------------------------------------


def drop_folder(practice: Practice) -> Path:
    """Where the practice system's scheduled report lands (one folder per practice)."""
    return Path(settings.SCHEDULE_DROP_ROOT) / practice.slug


def _stamp(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).strftime(_STAMP)


def _claims(folder: Path, now: float, *, reclaim: bool) -> list[tuple[Path, str]]:
    """Claim the files that are ready by renaming each into ``processing/`` under a
    stamped name (a rename is atomic: of two workers, one gets each file); with
    ``reclaim``, a file a killed worker left there long ago is claimed again. Returns
    (claimed, its name)."""
    ready: list[tuple[Path, str]] = []
    processing = folder / PROCESSING
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name.startswith(".") or not name.lower().endswith(DROP_SUFFIXES):
            continue
        try:
            info = entry.stat()
        except FileNotFoundError:
            continue
        # Still arriving (or touched a moment ago): left for the next pass.
        if not entry.is_file() or abs(now - info.st_mtime) < DROP_STABLE_SECONDS:
            continue
        ready.append((entry, name))
    if reclaim and processing.is_dir():
        stale = now - RUN_SILENT_AFTER.total_seconds()
        for entry in sorted(processing.iterdir()):
            try:
                if entry.stat().st_mtime < stale:
                    ready.append((entry, entry.name[_STAMP_LEN + 1 :] or entry.name))
            except FileNotFoundError:
                continue
    claimed = []
    if ready:
        processing.mkdir(exist_ok=True)
    for entry, name in ready:
        target = processing / f"{_stamp(time.time())}-{name}"
        try:
            entry.rename(target)
        except FileNotFoundError:  # another worker claimed it first
            continue
        os.utime(target, (now, now))  # the claim's time: older than a silent run is stale
        claimed.append((target, name))
    return claimed


def _set_aside(claimed: Path, folder: Path, where: str, report: dict) -> None:
    target_dir = folder / where
    target_dir.mkdir(exist_ok=True)
    target = target_dir / claimed.name
    report_path = target_dir / f"{claimed.name}.report.json"
    report_path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    claimed.rename(target)


def _drop_sync(source: Source, folder: Path, claimed: Path, name: str) -> None:
    report: dict = {"file": name, "practice": source.practice.slug}
    try:
        run = file_sync(source, claimed, trigger="drop folder", file_name=name)
    except AlreadySynced as already:
        report |= {"status": "already synced", "message": str(already), "run": already.run.pk}
        report["summary"], report["errors"] = dict.fromkeys(SUMMARY_KEYS, 0), []
        _set_aside(claimed, folder, PROCESSED, report)
        return
    except ValueError as error:
        report |= {"status": "failed", "message": str(error), "errors": []}
        _set_aside(claimed, folder, FAILED, report)
        return
    report |= {
        "status": run.status,
        "run": run.pk,
        "summary": summary(run),
        "errors": run.errors,
    }
    if run.status == RunStatus.SUCCEEDED:
        _set_aside(claimed, folder, PROCESSED, report)
    else:
        report["message"] = run.errors[-1]["message"] if run.errors else "The sync failed."
        _set_aside(claimed, folder, FAILED, report)


def drop_folders_poll() -> int:
    """One pass over every practice's drop folder (beat, through ``schedule.tasks.sweep``):
    each ready ``.csv`` / ``.xlsx`` is synced, then moved to ``processed/`` (or
    ``failed/``) with its report beside it. Returns how many files were handled."""
    root = Path(settings.SCHEDULE_DROP_ROOT)
    if not root.is_dir():
        return 0
    slugs = [entry.name for entry in root.iterdir() if entry.is_dir()]
    handled = 0
    for practice in Practice.objects.filter(slug__in=slugs).order_by("pk"):
        folder = drop_folder(practice)
        source = export_source(practice)
        now = time.time()
        # A drop-folder sync still beating (a very large file) keeps its claim, however
        # old; the reaper fails a silent one first, and its file is claimed again.
        alive = SyncRun.objects.filter(
            source=source,
            status=RunStatus.RUNNING,
            heartbeat_at__gte=dt.datetime.fromtimestamp(now, dt.UTC) - RUN_SILENT_AFTER,
        ).exists()
        for claimed, name in _claims(folder, now, reclaim=not alive):
            try:
                _drop_sync(source, folder, claimed, name)
            except Exception as error:
                # The file stays in processing/ and is claimed again once stale; the
                # error's type only (its text may quote a patient's row).
                logger.error(
                    "schedule drop folder of practice %s: %s", practice.pk, type(error).__name__
                )
                continue
            handled += 1
    return handled
