"""The scoreboard counts what the practice's schedule wrote: bookings as scheduled, arrived
and fulfilled as showed, no-shows in the show rate's denominator, held-out patients' bookings
in the true lift only, and an entered-in-error booking no longer at all — live and through
the rollups alike."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from campaigns.bookings import appointment_mark
from campaigns.models import State
from scoreboard import lift as lifts
from scoreboard import selectors
from tests.scoreboard import oracle
from tests.scoreboard.synced import (
    APPOINTMENT,
    NOW,
    START,
    booked,
    patients,
    source_connect,
)
from tests.scoreboard.test_rollups import assert_rollups_equal_live

pytestmark = pytest.mark.django_db

AFTER = dt.datetime(2026, 3, 10, 18, 0, tzinfo=APPOINTMENT.tzinfo)


def counts(practice):
    with time_machine.travel(NOW, tick=False):
        scope = selectors.scope_for(practice, start=START, end=NOW.date())
        assert_rollups_equal_live(scope, NOW)
        return selectors.stage_counts(scope)


def test_a_synced_booking_counts_as_scheduled(practice):
    source = source_connect(practice)
    (enrollment,) = patients(practice, 1)
    booked(source, enrollment)
    assert enrollment.state == State.SCHEDULED and enrollment.appointment_at == APPOINTMENT
    totals = counts(practice)
    assert (totals.scheduled, totals.decisions) == (1, 1)


def test_show_rate_counts_synced_shows_over_past_scheduled_appointments(practice):
    source = source_connect(practice)
    came, missed, coming = patients(practice, 3)
    for enrollment in (came, missed):
        booked(source, enrollment)
    booked(source, coming, start=NOW + dt.timedelta(days=2))
    booked(source, came, status="fulfilled", at=AFTER)
    booked(source, missed, status="noshow", at=AFTER)
    totals = counts(practice)
    assert (totals.scheduled, totals.showed, totals.no_show) == (3, 1, 1)
    # Still to come: not in the denominator.
    assert (totals.appointments_showed, totals.appointments_due) == (1, 2)
    assert totals.show_rate == 0.5


def test_a_changed_result_in_the_schedule_replaces_the_first(practice):
    source = source_connect(practice)
    (enrollment,) = patients(practice, 1)
    booked(source, enrollment)
    booked(source, enrollment, status="noshow", at=AFTER)
    booked(source, enrollment, status="fulfilled", at=AFTER + dt.timedelta(hours=1))
    totals = counts(practice)
    assert (totals.showed, totals.no_show, totals.appointments_showed) == (1, 0, 1)


def test_an_entered_in_error_booking_no_longer_counts_as_scheduled(practice):
    source = source_connect(practice)
    (enrollment,) = patients(practice, 1)
    booked(source, enrollment)
    booked(
        source,
        enrollment,
        status="entered_in_error",
        at=dt.datetime(2026, 3, 6, 9, 0, tzinfo=APPOINTMENT.tzinfo),
    )
    assert enrollment.state == State.ACTIVE and enrollment.appointment_at is None
    totals = counts(practice)
    assert (totals.scheduled, totals.decisions, totals.appointments_due) == (0, 0, 0)


def test_an_entered_in_error_show_no_longer_counts(practice):
    source = source_connect(practice)
    (enrollment,) = patients(practice, 1)
    booked(source, enrollment)
    booked(source, enrollment, status="fulfilled", at=AFTER)
    booked(source, enrollment, status="entered_in_error", at=AFTER + dt.timedelta(hours=1))
    totals = counts(practice)
    assert (totals.scheduled, totals.showed, totals.appointments_due) == (0, 0, 0)


def test_a_booking_within_the_window_of_a_closed_enrollment_counts_with_its_appointment(
    practice,
):
    source = source_connect(practice)
    (enrollment,) = patients(practice, 1, state=State.COMPLETED)
    booked(source, enrollment)
    booked(source, enrollment, status="arrived", at=AFTER)
    assert enrollment.state == State.COMPLETED and enrollment.appointment_at == APPOINTMENT
    totals = counts(practice)
    assert (totals.scheduled, totals.showed) == (1, 1)
    assert (totals.appointments_showed, totals.appointments_due) == (1, 1)


def test_a_held_out_patients_booking_stays_out_of_the_funnel(practice):
    source = source_connect(practice)
    (enrollment,) = patients(practice, 1, held_out=True)
    booked(source, enrollment)
    booked(source, enrollment, status="fulfilled", at=AFTER)
    assert enrollment.state == State.SCHEDULED
    totals = counts(practice)
    assert (totals.scheduled, totals.showed, totals.appointments_due) == (0, 0, 0)


def test_a_held_out_patients_booking_counts_toward_the_control_groups_rate(practice):
    source = source_connect(practice)
    treated = patients(practice, 2)
    held_out = patients(practice, 2, held_out=True, campaign=treated[0].campaign)
    booked(source, treated[0])
    booked(source, held_out[0])
    with time_machine.travel(NOW, tick=False):
        scope = selectors.scope_for(practice, start=START, end=NOW.date())
        lift, _ = lifts.true_lift(scope)
        assert lift == oracle.true_lift_live(scope)[0]
    assert (lift.treated_n, lift.treated_booked) == (2, 1)
    assert (lift.held_out_n, lift.held_out_booked) == (2, 1)
    assert lift.held_out_rate == 0.5


def _marked_showed_by_a_coordinator(practice):
    (enrollment,) = patients(practice, 1, state=State.SCHEDULED, appointment_at=APPOINTMENT)
    with time_machine.travel(AFTER, tick=False):
        appointment_mark(enrollment, showed=True, user=None)
    return enrollment


def test_the_schedules_no_show_replaces_a_coordinators_showed(practice):
    enrollment = _marked_showed_by_a_coordinator(practice)
    source = source_connect(practice)
    booked(source, enrollment)
    booked(source, enrollment, status="noshow", at=AFTER + dt.timedelta(hours=1))
    totals = counts(practice)
    assert (totals.showed, totals.no_show) == (0, 1)
    assert (totals.appointments_showed, totals.appointments_due) == (0, 1)


def test_a_coordinator_cannot_overrule_the_schedules_result(practice):
    enrollment = _marked_showed_by_a_coordinator(practice)
    source = source_connect(practice)
    booked(source, enrollment)
    booked(source, enrollment, status="noshow", at=AFTER + dt.timedelta(hours=1))
    with time_machine.travel(NOW, tick=False), pytest.raises(ValidationError) as refused:
        appointment_mark(enrollment, showed=True, user=None)
    assert "correct it in the practice system" in str(refused.value)
    assert counts(practice).showed == 0
