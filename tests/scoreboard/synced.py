"""A small practice whose schedule is synced, for the scoreboard's schedule tests.

Entries are written the real way: records read by ``schedule.sync`` (the same path as an
export, the drop folder and FHIR), whose effects go through ``campaigns.bookings``.

Frozen at Monday 2026-03-16 11:00 in New York (``NOW``). Every enrollment starts on
March 2 in one campaign with a holdout; bookings are made on March 5 for March 10.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from campaigns.models import Enrollment
from schedule.models import Source
from tests.factories import CampaignFactory, ContactFactory, EnrollmentFactory
from tests.schedule.helpers import record, sync

NEW_YORK = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 16, 11, 0, tzinfo=NEW_YORK)
START = dt.date(2026, 3, 1)
BOOKED_ON = dt.datetime(2026, 3, 5, 9, 0, tzinfo=NEW_YORK)
APPOINTMENT = dt.datetime(2026, 3, 10, 10, 0, tzinfo=NEW_YORK)
SOURCE_NAME = "Appointment export"


def source_connect(practice) -> Source:
    return Source.objects.create(practice=practice, kind="file", name=SOURCE_NAME)


def patients(practice, n: int, *, held_out: bool = False, campaign=None, **kwargs):
    """``n`` enrolled patients with external ids (what the schedule matches on)."""
    campaign = campaign or CampaignFactory(practice=practice, holdout_percent=20, start_date=START)
    return [
        EnrollmentFactory(
            campaign=campaign,
            contact=ContactFactory(practice=practice, external_id=f"P-{held_out:d}-{i}-{n}"),
            held_out=held_out,
            start_day=dt.date(2026, 3, 2),
            **kwargs,
        )
        for i in range(n)
    ]


def booked(
    source: Source,
    enrollment: Enrollment,
    *,
    key: str | None = None,
    status: str = "booked",
    start: dt.datetime = APPOINTMENT,
    at: dt.datetime = BOOKED_ON,
):
    """The practice system reports ``enrollment``'s patient's appointment at ``at``."""
    key = key or f"A-{enrollment.pk}"
    with time_machine.travel(at, tick=False):
        sync(source, record(key, enrollment.contact, start=start, status=status, updated=at))
    enrollment.refresh_from_db()
    return key
