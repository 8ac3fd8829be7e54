"""The columns of an appointment export: our fields, the words practice systems head them
with, and how a cell's date and time are read.

The column mapping itself (guessing, a person's choices on top) is the contacts import's
(``contacts.mapping``), given this table; the patient's columns reuse its synonyms, so a
"Pt First Name" header reads the same in a patient list and in an appointment export.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from contacts.dates import EXCEL_EPOCH, YEAR_RANGE, date_parse, free_text_read
from contacts.mapping import HEADER_SYNONYMS as CONTACT_SYNONYMS

FIELDS: tuple[str, ...] = (
    "appointment_id",
    "patient_external_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "email",
    "start",
    "date",
    "time",
    "status",
    "appointment_type",
    "provider",
    "location",
    "updated_at",
)

FIELD_LABELS = {
    "appointment_id": "Appointment id",
    "patient_external_id": "Patient's EMR id",
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "phone": "Phone",
    "email": "Email",
    "start": "Date and time",
    "date": "Date",
    "time": "Time",
    "status": "Status",
    "appointment_type": "Appointment type",
    "provider": "Provider",
    "location": "Location (operatory)",
    "updated_at": "Last changed",
}

# First synonym that matches wins; a header is used for at most one field (in FIELDS'
# order, so "Appt Date Time" is the start before "Date" could be the date).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "appointment_id": (
        "appointment id",
        "appt id",
        "appt #",
        "appt no",
        "appt num",
        "appointment #",
        "appointment number",
        "aptnum",
        "apt num",
        "apt #",
        "apt id",
        "appointment",
        "visit id",
        "encounter id",
        "id",
    ),
    "patient_external_id": (
        "patient id",
        "patnum",
        "pat num",
        "chart #",
        "chart",
        "chart number",
        "chart no",
        "emr id",
        "external id",
        "mrn",
        "pt id",
        "patient number",
        "patient #",
        "account",
        "account number",
        "acct",
        "person id",
    ),
    "first_name": CONTACT_SYNONYMS["first_name"],
    "last_name": CONTACT_SYNONYMS["last_name"],
    "date_of_birth": CONTACT_SYNONYMS["date_of_birth"],
    "phone": CONTACT_SYNONYMS["phone"],
    "email": CONTACT_SYNONYMS["email"],
    "start": (
        "start",
        "appointment date time",
        "appt date time",
        "apt date time",
        "aptdatetime",
        "appointment datetime",
        "appt datetime",
        "date time",
        "datetime",
        "start date time",
        "scheduled for",
        "appointment start",
        "appt start",
    ),
    "date": (
        "appt date",
        "appointment date",
        "apt date",
        "date",
        "visit date",
        "scheduled date",
        "start date",
    ),
    "time": (
        "appt time",
        "appointment time",
        "apt time",
        "time",
        "start time",
        "scheduled time",
    ),
    "status": (
        "status",
        "appt status",
        "appointment status",
        "aptstatus",
        "apt status",
        "confirmation status",
        "state",
    ),
    "appointment_type": (
        "appointment type",
        "appt type",
        "apt type",
        "type",
        "procedure",
        "procedures",
        "procdescript",
        "proc descript",
        "visit type",
        "reason",
        "service",
        "treatment",
    ),
    "provider": (
        "provider",
        "prov",
        "provnum",
        "provider name",
        "doctor",
        "dentist",
        "practitioner",
        "clinician",
        "hygienist",
    ),
    "location": (
        "location",
        "op",
        "operatory",
        "opnum",
        "room",
        "chair",
        "clinic",
        "office",
        "site",
    ),
    "updated_at": (
        "last modified",
        "updated",
        "updated at",
        "last updated",
        "modified",
        "date modified",
        "modified date",
        "datetstamp",
        "date t stamp",
        "last changed",
        "timestamp",
    ),
}

_TIME = re.compile(
    r"(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2})(?:\.\d+)?)?\s*(?:([ap])\.?\s*m?\.?)?",
    re.IGNORECASE | re.ASCII,
)
_MILITARY = re.compile(r"(\d{2})(\d{2})", re.ASCII)
_SERIAL = re.compile(r"\d{1,5}(?:\.\d+)?", re.ASCII)


def time_parse(raw: str) -> tuple[dt.time | None, str]:
    """A time of day from a cell ("10:00", "2:30 PM", "14:30:00", "1430", Excel's day
    fraction "0.4375"); (None, problem) when it cannot be read, (None, "") when blank."""
    text = raw.strip()
    if not text:
        return None, ""
    if text.startswith("0.") and _SERIAL.fullmatch(text):
        seconds = round(float(text) * 86400)
        if seconds < 86400:
            return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60), ""
    if match := _MILITARY.fullmatch(text):
        hour, minute, second, half = int(match[1]), int(match[2]), 0, None
    elif match := _TIME.fullmatch(text):
        hour, minute = int(match[1]), int(match[2] or 0)
        second, half = int(match[3] or 0), (match[4] or "").lower() or None
        if match[2] is None and half is None:
            return None, f"the time '{text[:40]}' is not understood"
    else:
        return None, f"the time '{text[:40]}' is not understood"
    if half is not None:
        if not 1 <= hour <= 12:
            return None, f"the time '{text[:40]}' is not understood"
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None, f"the time '{text[:40]}' is not understood"
    return dt.time(hour, minute, second), ""


@lru_cache(maxsize=65_536)
def datetime_parse(raw: str, dayfirst: bool) -> tuple[dt.datetime | None, str]:
    """A date and time from one cell, naive unless the cell gives its offset ("2026-12-09
    10:00", "12/9/2026 10:00 AM", "2026-12-09T10:00:00-05:00", "Dec 9, 2026 10:00", an
    Excel serial "46000.4166"). A date alone is midnight. (None, problem) when it cannot
    be read, (None, "") when blank. Cached: an export repeats its slots."""
    text = raw.strip()
    if not text:
        return None, ""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        return _in_range(value, text)
    if _SERIAL.fullmatch(text) and "." in text:
        try:
            serial = Decimal(text)
        except InvalidOperation:
            serial = None
        if serial is not None and 1 <= serial < 80_000:
            day = EXCEL_EPOCH + dt.timedelta(days=int(serial))
            seconds = round((serial - int(serial)) * 86400)
            return _in_range(
                dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds), text
            )
    date_text, _, time_text = text.partition(" ")
    if re.fullmatch(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}", date_text, re.ASCII):
        day, problem = date_parse(date_text, dayfirst=dayfirst)
        if day is None:
            return None, problem or f"the date '{text[:40]}' is not understood"
        at, problem = time_parse(time_text) if time_text.strip() else (dt.time(), "")
        if at is None:
            return None, problem
        return dt.datetime.combine(day, at), ""
    read, missing = free_text_read(text, dayfirst)
    if read is None:
        return None, f"the date '{text[:40]}' is not understood"
    if missing:
        return None, f"the date '{text[:40]}' has no {' or '.join(missing)}"
    return _in_range(read, text)


def _in_range(value: dt.datetime, text: str) -> tuple[dt.datetime | None, str]:
    if not YEAR_RANGE[0] <= value.year <= YEAR_RANGE[1]:
        return None, f"the date '{text[:40]}' is out of range"
    return value, ""
