"""Re-qualification routes a reply to scheduled, nurture or not a fit; closing outcomes
carry their details; the outcome log is append-only and corrected by new entries."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from campaigns.enrollments import enrollment_elsewhere, enrollment_not_now, enrollment_requalify
from campaigns.models import Outcome, OutcomeKind, State
from reactivate.models import Role
from tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 3, 15, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def coordinator(member):
    return member(Role.COORDINATOR).user


def kinds(enrollment):
    return list(enrollment.outcomes.order_by("id").values_list("kind", flat=True))


def test_soon_and_a_fit_is_qualified_and_scheduled(coordinator):
    enrollment = EnrollmentFactory(state=State.PAUSED)
    when = dt.datetime(2026, 12, 10, 15, tzinfo=dt.UTC)

    enrollment_requalify(enrollment, user=coordinator, soon=True, fit=True, appointment_at=when)

    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.appointment_at) == (State.SCHEDULED, when)
    assert kinds(enrollment) == [OutcomeKind.QUALIFIED, OutcomeKind.SCHEDULED]
    assert enrollment.outcomes.last().user == coordinator


def test_scheduling_needs_an_appointment_time_and_changes_nothing_without_it(coordinator):
    enrollment = EnrollmentFactory(state=State.PAUSED)
    with pytest.raises(ValidationError, match="appointment"):
        enrollment_requalify(enrollment, user=coordinator, soon=True, fit=True)
    enrollment.refresh_from_db()
    assert enrollment.state == State.PAUSED and kinds(enrollment) == []


def test_a_fit_but_later_goes_to_nurture_for_the_campaigns_days(coordinator):
    enrollment = EnrollmentFactory(state=State.PAUSED)

    enrollment_requalify(enrollment, user=coordinator, soon=False, fit=True)

    enrollment.refresh_from_db()
    assert enrollment.state == State.NURTURE
    assert enrollment.nurture_until == dt.date(2026, 12, 3) + dt.timedelta(days=90)
    assert kinds(enrollment) == [OutcomeKind.QUALIFIED, OutcomeKind.NURTURE]


def test_not_a_fit_is_closed_as_not_a_fit(coordinator):
    enrollment = EnrollmentFactory(state=State.PAUSED)
    enrollment_requalify(enrollment, user=coordinator, soon=True, fit=False)
    enrollment.refresh_from_db()
    assert enrollment.state == State.CLOSED_NOT_FIT
    assert kinds(enrollment) == [OutcomeKind.NOT_A_FIT]


def test_not_now_closes_with_a_return_date(coordinator):
    enrollment = EnrollmentFactory()
    enrollment_not_now(enrollment, user=coordinator, return_date=dt.date(2027, 3, 1))
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.nurture_until) == (
        State.CLOSED_NOT_NOW,
        dt.date(2027, 3, 1),
    )


def test_not_now_needs_a_future_return_date(coordinator):
    enrollment = EnrollmentFactory()
    with pytest.raises(ValidationError, match="future"):
        enrollment_not_now(enrollment, user=coordinator, return_date=dt.date(2026, 12, 3))


def test_went_elsewhere_records_what_mattered_most(coordinator):
    enrollment = EnrollmentFactory(state=State.REQUALIFYING)
    enrollment_elsewhere(
        enrollment, user=coordinator, category="location", what_mattered=" Closer to work "
    )
    outcome = enrollment.outcomes.get()
    assert (outcome.kind, outcome.reason_category, outcome.reason_text) == (
        OutcomeKind.WENT_ELSEWHERE,
        "location",
        "Closer to work",
    )


def test_the_outcome_log_cannot_be_edited(coordinator):
    enrollment = EnrollmentFactory(state=State.PAUSED)
    enrollment_requalify(enrollment, user=coordinator, soon=True, fit=False)
    outcome = enrollment.outcomes.get()
    outcome.kind = OutcomeKind.SCHEDULED
    with pytest.raises(TypeError):
        outcome.save()
    with pytest.raises(TypeError):
        Outcome.objects.update(kind=OutcomeKind.SCHEDULED)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE campaigns_outcome SET kind = 'scheduled'")


# 20:00 in New York on 3 December, already 4 December by the server's clock (UTC).
NEW_YORK_EVENING = dt.datetime(2026, 12, 4, 1, tzinfo=dt.UTC)


def test_not_now_accepts_tomorrow_on_a_new_york_evening(coordinator):
    enrollment = EnrollmentFactory()
    assert str(enrollment.practice.time_zone) == "America/New_York"
    with time_machine.travel(NEW_YORK_EVENING, tick=False):
        enrollment_not_now(enrollment, user=coordinator, return_date=dt.date(2026, 12, 4))
    assert enrollment.nurture_until == dt.date(2026, 12, 4)


def test_nurture_days_count_from_the_practices_date_on_a_new_york_evening(coordinator):
    enrollment = EnrollmentFactory(state=State.PAUSED)
    with time_machine.travel(NEW_YORK_EVENING, tick=False):
        enrollment_requalify(enrollment, user=coordinator, soon=False, fit=True)
    enrollment.refresh_from_db()
    assert enrollment.nurture_until == dt.date(2026, 12, 3) + dt.timedelta(days=90)
