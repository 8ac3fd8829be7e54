"""Building schedule data in tests the way a source does: records in our words, read by
the same sync as the real sources (the file and FHIR sources have their own tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from campaigns.models import Enrollment, State, Touch, TouchStatus
from schedule.models import Source, SyncRun
from schedule.records import AppointmentRecord, Page, PatientRef
from schedule.sync import run_start, source_sync

NEW_YORK = ZoneInfo("America/New_York")


class Pages:
    """A source whose pages are given (what a reader yields)."""

    def __init__(self, *pages: list[AppointmentRecord]) -> None:
        self._pages = pages

    def pages(self) -> Iterator[Page]:
        for records in self._pages:
            yield Page(records=list(records))


def record(
    key: str,
    contact=None,
    *,
    start: dt.datetime | None = None,
    status: str = "booked",
    updated: dt.datetime | None = None,
    patient: PatientRef | None = None,
    word: str = "",
) -> AppointmentRecord:
    if patient is None:
        patient = PatientRef(external_id=contact.external_id) if contact else PatientRef()
    return AppointmentRecord(
        key=key,
        patient=patient,
        start=start or dt.datetime(2026, 12, 9, 10, 0, tzinfo=NEW_YORK),
        status=status,
        status_word=word or status,
        appointment_type="Consultation",
        source_updated_at=updated,
        where=f"row {key}",
    )


def sync(source: Source, *records: AppointmentRecord) -> SyncRun:
    run = run_start(source, trigger="test")
    return source_sync(source, Pages(list(records)), run)


def assert_booked(contact, reason: str):
    """The patient's enrollment is scheduled and every touch it had planned is skipped,
    each with ``reason`` (what the enrollment's history shows). Returns those touches."""
    enrollment = Enrollment.objects.get(contact=contact)
    assert enrollment.state == State.SCHEDULED
    touches = Touch.objects.filter(enrollment=enrollment)
    assert touches.exists()
    assert set(touches.values_list("status", flat=True)) == {TouchStatus.SKIPPED}
    assert set(touches.values_list("reason", flat=True)) == {reason}
    return touches
