"""The schedule's part of ``seed_demo``: the demo practice's system drops an appointment
export in its drop folder, read as beat reads it, so the scoreboard shows synced shows and
a true lift with held-out patients' bookings, the schedule page a sync with one
appointment whose patient is unknown and one status word nobody mapped, and a few active
patients leave the work queue because they booked."""

from __future__ import annotations

import csv
import datetime as dt
import os
import time

from django.utils import timezone

from campaigns.models import Enrollment, State
from reactivate.models import Practice
from schedule.models import RunStatus, SyncRun
from schedule.sources.files import drop_folder, drop_folders_poll, export_source

HEADERS = [
    "Appt #",
    "Chart #",
    "First Name",
    "Last Name",
    "Cell Phone",
    "Appt Date",
    "Appt Time",
    "Status",
    "Appt Type",
    "Provider",
    "Operatory",
    "Last Modified",
]
TYPES = ("Hygiene recall", "Consultation", "Crown seat", "Whitening", "New patient exam")
PROVIDERS = ("Dr. Rivera", "Dr. Chen", "Jamie (hygienist)")


def _rows(practice: Practice) -> list[list[str]]:
    zone, now = practice.time_zone, timezone.now()
    changed = timezone.localtime(now, zone).strftime("%Y-%m-%d %H:%M")
    active = Enrollment.objects.filter(practice=practice, state=State.ACTIVE).select_related(
        "contact"
    )
    held = list(active.filter(held_out=True).order_by("pk")[:1])
    # Treated patients nobody has worked yet (the campaign's demo worked the first ones).
    treated = list(active.filter(held_out=False).order_by("-pk")[:14])
    # One held-out patient books on their own: the control group's rate is not zero.
    plan = [(e, "Complete", -2) for e in held]
    plan += [(e, "Complete", -(i % 6 + 1)) for i, e in enumerate(treated[:8])]
    plan += [(e, "Broken", -(i + 2)) for i, e in enumerate(treated[8:10])]
    plan += [(e, "Scheduled", i + 3) for i, e in enumerate(treated[10:14])]
    rows = []
    for n, (enrollment, status, days) in enumerate(plan, start=1):
        contact = enrollment.contact
        start = timezone.localtime(now, zone).replace(hour=9 + n % 8, minute=0) + dt.timedelta(
            days=days
        )
        rows.append(
            [
                f"D-{1000 + n}",
                contact.external_id,
                contact.first_name,
                contact.last_name,
                contact.phone,
                start.strftime("%m/%d/%Y"),
                start.strftime("%I:%M %p"),
                status,
                TYPES[n % len(TYPES)],
                PROVIDERS[n % len(PROVIDERS)],
                f"Op {n % 4 + 1}",
                changed,
            ]
        )
    tomorrow = timezone.localtime(now, zone) + dt.timedelta(days=1)
    rows.append(  # a patient the practice's system knows and Reactivate does not
        ["D-2001", "NEW-77", "Morgan", "Newcomer", "", tomorrow.strftime("%m/%d/%Y"),
         "10:30 AM", "Scheduled", "New patient exam", PROVIDERS[0], "Op 1", changed]
    )  # fmt: skip
    rows.append(  # a status word the mapping does not know: reported, kept unapplied
        ["D-2002", "", "Sam", "Pending", "", tomorrow.strftime("%m/%d/%Y"), "11:00 AM",
         "Pencilled in", "Consultation", PROVIDERS[1], "Op 2", changed]
    )  # fmt: skip
    return rows


def demo_extend(practice: Practice) -> list[str]:
    source = export_source(practice)
    if SyncRun.objects.filter(source=source, status=RunStatus.SUCCEEDED).exists():
        return ["Schedule: the demo's appointment export was already synced."]
    folder = drop_folder(practice)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "appointments-demo.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerows(_rows(practice))
    # As if the practice system had finished writing it a minute ago (the drop folder
    # leaves files still being written for the next pass).
    then = time.time() - 60
    os.utime(path, (then, then))
    drop_folders_poll()
    run = SyncRun.objects.filter(source=source).order_by("-started_at").first()
    if run is None or run.status != RunStatus.SUCCEEDED:
        return ["Schedule: the demo's appointment export could not be synced."]
    counts = run.counts
    return [
        f"Schedule: {counts.get('read', 0)} appointments synced from the drop folder "
        f"({folder}): {counts.get('enrollments_scheduled', 0)} enrollments scheduled, "
        f"{counts.get('showed', 0)} showed, {counts.get('no_show', 0)} no-shows, "
        f"{counts.get('unmatched', 0)} without a patient."
    ]
