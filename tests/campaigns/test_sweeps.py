"""The periodic sweeps: sequences that ran out are completed; nurture and "not now"
patients are enrolled again on their date, once."""

import datetime as dt

import pytest
import time_machine

from campaigns.models import Enrollment, OutcomeKind, State, Touch
from campaigns.sweeps import enrollments_complete_due, nurture_reenroll_due
from tests.factories import ContactFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2027, 3, 1)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(dt.datetime(2027, 3, 1, 15, tzinfo=dt.UTC), tick=False):
        yield


def test_nurture_patients_are_enrolled_again_on_their_date(practice):
    old = EnrollmentFactory(
        campaign__practice=practice,
        state=State.NURTURE,
        nurture_until=TODAY,
        campaign__status="running",
    )

    assert nurture_reenroll_due(TODAY) == 1

    new = Enrollment.objects.exclude(pk=old.pk).get()
    assert (new.contact, new.state, new.bucket, new.start_day) == (
        old.contact,
        State.ACTIVE,
        "not_now",
        TODAY,
    )
    assert Touch.objects.filter(enrollment=new).exists()


def test_a_second_sweep_does_not_enroll_the_same_patient_twice(practice):
    EnrollmentFactory(campaign__practice=practice, state=State.CLOSED_NOT_NOW, nurture_until=TODAY)
    nurture_reenroll_due(TODAY)
    assert nurture_reenroll_due(TODAY) == 0
    assert Enrollment.objects.count() == 2


def test_a_patient_marked_do_not_contact_meanwhile_is_not_enrolled_again(practice):
    contact = ContactFactory(practice=practice, do_not_contact=True)
    EnrollmentFactory(
        campaign__practice=practice, contact=contact, state=State.NURTURE, nurture_until=TODAY
    )
    assert nurture_reenroll_due(TODAY) == 0


def test_a_future_nurture_date_waits(practice):
    EnrollmentFactory(
        campaign__practice=practice,
        state=State.NURTURE,
        nurture_until=TODAY + dt.timedelta(days=1),
    )
    assert nurture_reenroll_due(TODAY) == 0


def test_an_enrollment_past_its_last_day_with_nothing_left_is_completed(practice):
    enrollment = EnrollmentFactory(
        campaign__practice=practice, start_day=TODAY - dt.timedelta(days=10)
    )

    assert enrollments_complete_due(TODAY) == 1

    enrollment.refresh_from_db()
    assert enrollment.state == State.COMPLETED
    assert enrollment.outcomes.get().kind == OutcomeKind.COMPLETED


def test_an_enrollment_with_a_touch_still_planned_is_not_completed(practice):
    enrollment = EnrollmentFactory(
        campaign__practice=practice, start_day=TODAY - dt.timedelta(days=30)
    )
    step = enrollment.campaign.sequence.steps.last()
    Touch.objects.create(
        practice=practice,
        enrollment=enrollment,
        step=step,
        channel=step.channel,
        due_at="2027-03-02T15:00Z",
    )
    assert enrollments_complete_due(TODAY) == 0


# 20:00 in New York on 1 March, already 2 March by the server's clock (UTC).
NEW_YORK_EVENING = dt.datetime(2027, 3, 2, 1, tzinfo=dt.UTC)


def test_a_nurture_date_of_tomorrow_waits_on_a_new_york_evening(practice):
    assert str(practice.time_zone) == "America/New_York"
    EnrollmentFactory(
        campaign__practice=practice, state=State.NURTURE, nurture_until=dt.date(2027, 3, 2)
    )
    with time_machine.travel(NEW_YORK_EVENING, tick=False):
        assert nurture_reenroll_due() == 0


def test_an_enrollment_whose_last_day_is_tomorrow_stays_active_on_a_new_york_evening(practice):
    enrollment = EnrollmentFactory(campaign__practice=practice, start_day=dt.date(2027, 2, 20))
    last_day = enrollment.campaign.sequence.steps.order_by("-day").first().day
    enrollment.start_day = dt.date(2027, 3, 2) - dt.timedelta(days=last_day)
    enrollment.save(update_fields=["start_day"])
    with time_machine.travel(NEW_YORK_EVENING, tick=False):
        assert enrollments_complete_due() == 0
    with time_machine.travel(NEW_YORK_EVENING + dt.timedelta(hours=5), tick=False):
        assert enrollments_complete_due() == 1
