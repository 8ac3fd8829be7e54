"""What every source yields, whatever the practice system: appointment records in our
words, the problems met on the way, and where the next read starts.

A source (``schedule.sources``) turns its own format into these; matching, history and
effects never see a CSV row or a FHIR resource.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from schedule.models import AppointmentStatus

# The practice systems' words for a status (lower case, spaces for _ and -), ours on the
# right. FHIR R4's Appointment.status codes first, then the words exports use.
STATUS_WORDS: dict[str, str] = {
    # FHIR R4 (proposed / pending / waitlist are not bookings yet: unknown, reported).
    "booked": AppointmentStatus.BOOKED,
    "arrived": AppointmentStatus.ARRIVED,
    "checked in": AppointmentStatus.ARRIVED,
    "fulfilled": AppointmentStatus.FULFILLED,
    "noshow": AppointmentStatus.NOSHOW,
    "cancelled": AppointmentStatus.CANCELLED,
    "entered in error": AppointmentStatus.ENTERED_IN_ERROR,
    # Exports (Open Dental, Dentrix, Eaglesoft, athena, Mindbody…).
    "scheduled": AppointmentStatus.BOOKED,
    "confirmed": AppointmentStatus.BOOKED,
    "unconfirmed": AppointmentStatus.BOOKED,
    "rescheduled": AppointmentStatus.BOOKED,
    "reminded": AppointmentStatus.BOOKED,
    "open": AppointmentStatus.BOOKED,
    "here": AppointmentStatus.ARRIVED,
    "in chair": AppointmentStatus.ARRIVED,
    "seated": AppointmentStatus.ARRIVED,
    "in room": AppointmentStatus.ARRIVED,
    "complete": AppointmentStatus.FULFILLED,
    "completed": AppointmentStatus.FULFILLED,
    "checked out": AppointmentStatus.FULFILLED,
    "kept": AppointmentStatus.FULFILLED,
    "attended": AppointmentStatus.FULFILLED,
    "showed": AppointmentStatus.FULFILLED,
    "seen": AppointmentStatus.FULFILLED,
    "no show": AppointmentStatus.NOSHOW,
    "no showed": AppointmentStatus.NOSHOW,
    "missed": AppointmentStatus.NOSHOW,
    "dna": AppointmentStatus.NOSHOW,
    "did not attend": AppointmentStatus.NOSHOW,
    "broken": AppointmentStatus.NOSHOW,
    "canceled": AppointmentStatus.CANCELLED,
    "cancelled by patient": AppointmentStatus.CANCELLED,
    "canceled by patient": AppointmentStatus.CANCELLED,
    "cancelled by practice": AppointmentStatus.CANCELLED,
    "canceled by practice": AppointmentStatus.CANCELLED,
    "late cancel": AppointmentStatus.CANCELLED,
    "late cancellation": AppointmentStatus.CANCELLED,
    "deleted": AppointmentStatus.ENTERED_IN_ERROR,
    "error": AppointmentStatus.ENTERED_IN_ERROR,
    "void": AppointmentStatus.ENTERED_IN_ERROR,
}


def status_key(word: str) -> str:
    return " ".join(word.lower().replace("_", " ").replace("-", " ").split())


def status_of(word: str) -> str:
    """Our status for a source's word, or '' when the word is not known."""
    return STATUS_WORDS.get(status_key(word), "")


def aware(naive: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock time from an export, read in the practice's zone. In the hour a DST
    change repeats, the first (``fold=0``) is taken; a time the spring change skips (2:30
    on the day clocks go from 2:00 to 3:00) is read as the same instant an hour on, as
    the practice's calendar would show it."""
    if naive.tzinfo is not None:
        return naive
    local = naive.replace(tzinfo=zone)
    # Skipped times do not survive a round trip through UTC.
    back = local.astimezone(dt.UTC).astimezone(zone)
    if back.replace(tzinfo=None) != naive:
        return (naive + dt.timedelta(hours=1)).replace(tzinfo=zone)
    return local


@dataclass(frozen=True, slots=True)
class PatientRef:
    """The patient as the source names them (matching reads these)."""

    external_id: str = ""
    first_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | None = None
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class AppointmentRecord:
    """One appointment as a source reports it. ``status`` is ours ('' = the word in
    ``status_word`` is not known); ``where`` says where it came from in words ("row 12",
    "Appointment/123") for reports."""

    key: str
    patient: PatientRef
    start: dt.datetime | None
    status: str
    status_word: str = ""
    appointment_type: str = ""
    provider: str = ""
    location: str = ""
    source_updated_at: dt.datetime | None = None
    deleted: bool = False
    where: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something a source could not read or apply, in words (no patient data)."""

    where: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message}


@dataclass(slots=True)
class Page:
    """A part of one read, applied in one transaction: its records, its problems and the
    checkpoint to keep once it is applied ('' = keep the one there is)."""

    records: list[AppointmentRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    checkpoint: str = ""
