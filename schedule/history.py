"""The schedule's part of a contact's history: a merge moves the appointments onto the
survivor, and the contact page's timeline shows them."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from contacts.history import TimelineEntry
from contacts.models import Contact
from schedule.models import Appointment


def appointments_merge(merged: Contact, survivor: Contact) -> None:
    Appointment.objects.filter(contact=merged).update(contact=survivor)


def appointments_timeline(contact_ids: list[int]) -> Iterable[TimelineEntry]:
    for a in (
        Appointment.objects.filter(contact_id__in=contact_ids, start__isnull=False)
        .select_related("source")
        .order_by("-start")[:50]
    ):
        what = f"Appointment {a.get_status_display().lower() or a.status_word}"
        where = f" in {a.source.name}"
        note = f"{timezone.localtime(a.start):%a %d %b %Y %H:%M}{where}"
        if a.appointment_type:
            note += f" · {a.appointment_type}"
        yield TimelineEntry(at=a.updated_at, what=what, note=note)
