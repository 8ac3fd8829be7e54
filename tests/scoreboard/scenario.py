"""A scripted practice of 20 treated patients (and 5 held out) with known outcomes.

Frozen at Monday 2026-03-16 11:00 in New York. Patient n (1-20) has a quote of n x $1,000.
Coordinator A works patients 1-12, coordinator B patients 13-20; patients 1-10 are in the
inquiry bucket, 11-20 in scheduling.

    1-16   contacted (the dispatcher's entry); 17-20 never contacted
    1-3    also reached on a call
    1-10, 12  replied
    1-5    qualified and scheduled: 1-4 on March 10-13 (past), 5 on March 20
    1, 2   showed; 3 first marked showed, then no-show (a correction); 4 no-show
    6      not a fit; 7 went elsewhere (price); 8 not now; 9, 10 still waiting
    11     opted out ("close my file")
    12     qualified and scheduled, then the scheduled entry corrected to not a fit
    21-25  held out; 21 booked on their own (the practice's record says scheduled)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from campaigns.bookings import appointment_mark
from campaigns.enrollments import (
    enrollment_elsewhere,
    enrollment_move,
    enrollment_not_now,
    enrollment_reply,
    enrollment_requalify,
)
from campaigns.models import Enrollment, Outcome, OutcomeKind, State
from campaigns.outcomes import outcome_record
from reactivate.models import Role
from tests.factories import (
    CampaignFactory,
    ContactFactory,
    EnrollmentFactory,
    MembershipFactory,
    outcome_correct,
)

NEW_YORK = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 16, 11, 0, tzinfo=NEW_YORK)
PERIOD_START = dt.date(2026, 3, 1)


@dataclass
class Scenario:
    practice: object
    campaign: object
    coordinator_a: object  # Membership
    coordinator_b: object
    patients: dict[int, Enrollment]


def build(practice) -> Scenario:
    """Write the scenario through the services (call inside time_machine at NOW)."""
    a = MembershipFactory(practice=practice, role=Role.COORDINATOR)
    b = MembershipFactory(practice=practice, role=Role.COORDINATOR)
    campaign = CampaignFactory(practice=practice, holdout_percent=20, start_date=PERIOD_START)
    patients = {}
    for n in range(1, 26):
        contact = ContactFactory(practice=practice, quoted_amount=Decimal(n * 1000))
        patients[n] = EnrollmentFactory(
            campaign=campaign,
            contact=contact,
            bucket="inquiry" if n <= 10 else "scheduling",
            coordinator=(a if n <= 12 else b).user,
            held_out=n > 20,
            start_day=dt.date(2026, 3, 2),
        )
    p = patients
    for n in range(1, 17):
        outcome_record(contact=p[n].contact, enrollment=p[n], kind=OutcomeKind.CONTACTED)
    for n in (1, 2, 3):
        outcome_record(contact=p[n].contact, enrollment=p[n], kind=OutcomeKind.REACHED)
    for n in (*range(1, 11), 12):
        enrollment_reply(p[n])
    for n in range(1, 6):
        day = dt.datetime(2026, 3, 9 + n, 10, 0, tzinfo=NEW_YORK) if n < 5 else NOW
        appointment = day if n < 5 else dt.datetime(2026, 3, 20, 10, 0, tzinfo=NEW_YORK)
        enrollment_requalify(p[n], user=a.user, soon=True, fit=True, appointment_at=appointment)
    appointment_mark(p[1], showed=True, user=a.user)
    appointment_mark(p[2], showed=True, user=a.user)
    appointment_mark(p[3], showed=True, user=a.user)
    appointment_mark(p[3], showed=False, user=a.user)  # a correction of the first mark
    appointment_mark(p[4], showed=False, user=a.user)
    enrollment_requalify(p[6], user=a.user, soon=True, fit=False)
    enrollment_elsewhere(p[7], user=a.user, category="price", what_mattered="=cheaper nearby")
    enrollment_not_now(p[8], user=a.user, return_date=dt.date(2026, 6, 1))
    enrollment_move(p[11], State.OPTED_OUT)
    enrollment_requalify(
        p[12], user=a.user, soon=True, fit=True, appointment_at=NOW + dt.timedelta(days=3)
    )
    wrong = Outcome.objects.get(enrollment=p[12], kind=OutcomeKind.SCHEDULED)
    outcome_correct(wrong, kind=OutcomeKind.NOT_A_FIT, user=a.user, note="entered by mistake")
    booked_alone = p[21].contact
    booked_alone.last_outcome = "scheduled"
    booked_alone.last_activity = dt.date(2026, 3, 12)
    booked_alone.save()
    for enrollment in patients.values():
        enrollment.refresh_from_db()
    return Scenario(practice, campaign, a, b, patients)
