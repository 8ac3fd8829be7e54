"""``campaigns.bookings.appointment_mark``: showed / no-show on scheduled appointments."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from campaigns.bookings import appointment_mark
from campaigns.models import Outcome, OutcomeKind, State
from tests.factories import EnrollmentFactory
from tests.scoreboard.scenario import NOW

pytestmark = pytest.mark.django_db


def scheduled(practice, when):
    return EnrollmentFactory(
        campaign__practice=practice, state=State.SCHEDULED, appointment_at=when
    )


def test_marks_a_past_appointment_showed(practice):
    enrollment = scheduled(practice, NOW - dt.timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        outcome = appointment_mark(enrollment, showed=True, user=None)
    assert outcome.kind == OutcomeKind.SHOWED and outcome.enrollment == enrollment


def test_marks_todays_appointment(practice):
    enrollment = scheduled(practice, NOW + dt.timedelta(hours=3))
    with time_machine.travel(NOW, tick=False):
        assert appointment_mark(enrollment, showed=False, user=None).kind == OutcomeKind.NO_SHOW


def test_refuses_an_appointment_still_to_come(practice):
    enrollment = scheduled(practice, NOW + dt.timedelta(days=1))
    with time_machine.travel(NOW, tick=False), pytest.raises(ValidationError, match="to come"):
        appointment_mark(enrollment, showed=True, user=None)


def test_refuses_an_enrollment_that_is_not_scheduled(practice):
    enrollment = EnrollmentFactory(campaign__practice=practice)
    with pytest.raises(ValidationError, match="Only scheduled"):
        appointment_mark(enrollment, showed=True, user=None)


def test_the_other_result_is_recorded_as_a_correction(practice):
    enrollment = scheduled(practice, NOW - dt.timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        first = appointment_mark(enrollment, showed=True, user=None)
        second = appointment_mark(enrollment, showed=False, user=None)
    assert second.corrects == first


def test_the_same_result_twice_changes_nothing(practice):
    enrollment = scheduled(practice, NOW - dt.timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        appointment_mark(enrollment, showed=True, user=None)
        appointment_mark(enrollment, showed=True, user=None)
    assert Outcome.objects.filter(enrollment=enrollment).count() == 1
