"""Writes of the schedule: appointments as a source reports them (with their history and
their patient), and matching by hand. Effects on enrollments are ``schedule.effects``."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact
from schedule.matching import patients_find
from schedule.models import Appointment, AppointmentChange, Source, SyncRun
from schedule.records import AppointmentRecord, Problem

# What a record sets on its appointment (the patient's fields only while unmatched).
_FIELDS = (
    "start",
    "status",
    "status_word",
    "appointment_type",
    "provider",
    "location",
    "source_updated_at",
)
_PATIENT_FIELDS = (
    "patient_external_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "email",
)
# A change of these is a new version in the history and may change the effects.
_STORY_FIELDS = ("start", "status", "deleted_at")
_TEXT_LIMITS = {"status_word": 100, "appointment_type": 200, "provider": 200, "location": 200}


def _values(record: AppointmentRecord, now: dt.datetime) -> dict:
    patient = record.patient
    values = {
        "start": record.start,
        "status": record.status,
        "status_word": record.status_word,
        "appointment_type": record.appointment_type,
        "provider": record.provider,
        "location": record.location,
        "source_updated_at": record.source_updated_at,
        "patient_external_id": patient.external_id[:100],
        "first_name": patient.first_name[:100],
        "last_name": patient.last_name[:100],
        "date_of_birth": patient.date_of_birth,
        "phone": patient.phone[:32],
        "email": patient.email[:254],
        "deleted_at": now if record.deleted else None,
    }
    for name, limit in _TEXT_LIMITS.items():
        values[name] = values[name][:limit]
    return values


def _newest(records: Sequence[AppointmentRecord]) -> list[AppointmentRecord]:
    """One record per appointment: the newest by the source's change time (a file that
    lists an appointment twice, or a page holding two versions); the later one on a tie."""
    newest: dict[str, AppointmentRecord] = {}
    for record in records:
        seen = newest.get(record.key)
        if seen is None or not (
            seen.source_updated_at
            and record.source_updated_at
            and record.source_updated_at < seen.source_updated_at
        ):
            newest[record.key] = record
    return list(newest.values())


def appointments_upsert(
    source: Source, run: SyncRun | None, records: Sequence[AppointmentRecord]
) -> tuple[Counter, list[Problem]]:
    """Store what ``records`` say, each appointment once: new ones created, changed ones
    updated (an older version than the one stored is ignored: the newer wins, by the
    source's change time), every change of story kept in the history, and the patient
    matched while not yet found. Appointments whose effects may change are marked due
    for ``schedule.effects``. Call inside a transaction."""
    now = timezone.now()
    counts: Counter = Counter(read=len(records))
    problems: list[Problem] = []
    records = _newest(records)
    existing = {
        a.key: a
        for a in Appointment.objects.filter(source=source, key__in=[r.key for r in records])
    }
    to_match = [r for r in records if r.key not in existing or existing[r.key].contact_id is None]
    matches = patients_find(source.practice, [r.patient for r in to_match])
    found = dict(zip([r.key for r in to_match], matches, strict=True))
    created, updated, history = [], [], []
    update_fields: set[str] = set()
    for record in records:
        if record.key and not record.status and record.status_word:
            problems.append(
                Problem(
                    record.where,
                    f"The status '{record.status_word[:40]}' is not one we know: the "
                    "appointment is kept but changes nothing until it is mapped.",
                )
            )
        values = _values(record, now)
        appointment = existing.get(record.key)
        if appointment is None:
            appointment = Appointment(
                practice_id=source.practice_id, source=source, key=record.key, **values
            )
            created.append(appointment)
            story = True
        else:
            stored = appointment.source_updated_at
            if stored and record.source_updated_at and record.source_updated_at < stored:
                counts["unchanged"] += 1  # an older version arriving late: the newer wins
                continue
            if appointment.deleted_at and record.deleted:
                values["deleted_at"] = appointment.deleted_at
            changed = {
                name
                for name, value in values.items()
                if getattr(appointment, name) != value
                and (name not in _PATIENT_FIELDS or appointment.contact_id is None)
            }
            if not changed:
                counts["unchanged"] += 1
                continue
            for name in changed:
                setattr(appointment, name, values[name])
            update_fields |= changed
            updated.append(appointment)
            story = bool(changed & set(_STORY_FIELDS))
        match = found.get(record.key)
        if match is not None:
            appointment.contact_id, appointment.match_note = match.contact_id, match.note
            update_fields |= {"contact", "match_note"}
        if appointment.status == "booked" and appointment.booked_at is None:
            appointment.booked_at = record.source_updated_at or now
            update_fields.add("booked_at")
        if story or match is not None:
            appointment.effects_due = appointment.contact_id is not None
            update_fields.add("effects_due")
        if story:
            history.append(appointment)
    Appointment.objects.bulk_create(created, batch_size=2000)
    if updated:
        for appointment in updated:
            appointment.updated_at = now
        Appointment.objects.bulk_update(
            updated, sorted(update_fields | {"updated_at"}), batch_size=2000
        )
    AppointmentChange.objects.bulk_create(
        (
            AppointmentChange(
                practice_id=source.practice_id,
                appointment=a,
                run=run,
                status=a.status,
                status_word=a.status_word,
                start=a.start,
                source_updated_at=a.source_updated_at,
                deleted=a.deleted_at is not None,
                recorded_at=now,
            )
            for a in history
        ),
        batch_size=2000,
    )
    counts["created"] += len(created)
    counts["updated"] += len(updated)
    for record in records:
        if record.key in found:
            counts["matched" if found[record.key].contact_id else "unmatched"] += 1
    return counts, problems


@transaction.atomic
def appointment_match(appointment: Appointment, contact: Contact) -> Appointment:
    """A person matched an appointment to a patient by hand: its effects follow at the
    next sweep (the caller queues it)."""
    if contact.practice_id != appointment.practice_id or contact.merged_into_id:
        raise ValidationError("Choose a patient of this practice.")
    if appointment.contact_id and appointment.applied_status:
        raise ValidationError("This appointment is already matched to a patient.")
    Appointment.objects.filter(pk=appointment.pk).update(
        contact=contact, match_note="matched by hand", effects_due=True, updated_at=timezone.now()
    )
    appointment.refresh_from_db()
    return appointment


def appointments_rematch(practice_id: int, limit: int = 5000) -> int:
    """Look again for the patients of unmatched appointments (a contacts import may have
    brought them); returns how many were found."""
    from reactivate.models import Practice

    practice = Practice.objects.get(pk=practice_id)
    unmatched = list(
        Appointment.objects.filter(practice=practice, contact__isnull=True).order_by("pk")[:limit]
    )
    if not unmatched:
        return 0
    from schedule.records import PatientRef

    refs = [
        PatientRef(
            a.patient_external_id, a.first_name, a.last_name, a.date_of_birth, a.phone, a.email
        )
        for a in unmatched
    ]
    found = 0
    for appointment, match in zip(unmatched, patients_find(practice, refs), strict=True):
        if match.contact_id is None:
            continue
        appointment.contact_id, appointment.match_note = match.contact_id, match.note
        appointment.effects_due = True
        found += 1
    Appointment.objects.bulk_update(
        [a for a in unmatched if a.contact_id], ["contact", "match_note", "effects_due"]
    )
    return found
