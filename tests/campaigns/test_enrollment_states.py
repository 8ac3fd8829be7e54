"""The enrollment state machine: every move, legal and illegal, and what each writes."""

import pytest

from campaigns.enrollments import enrollment_move, enrollment_reply
from campaigns.models import OPEN_STATES, Outcome, OutcomeKind, State, Touch, TouchStatus
from campaigns.states import TRANSITIONS, IllegalTransition
from tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

LEGAL = sorted((a, b) for a, targets in TRANSITIONS.items() for b in targets)
ILLEGAL = sorted((a, b) for a in State for b in State if b not in TRANSITIONS.get(a, frozenset()))


@pytest.mark.parametrize(("start", "target"), LEGAL)
def test_a_legal_move_changes_the_state(start, target):
    enrollment = EnrollmentFactory(state=start)
    enrollment_move(enrollment, target)
    enrollment.refresh_from_db()
    assert enrollment.state == target


@pytest.mark.parametrize(("start", "target"), ILLEGAL)
def test_an_illegal_move_is_refused_and_changes_nothing(start, target):
    enrollment = EnrollmentFactory(state=start)
    with pytest.raises(IllegalTransition):
        enrollment_move(enrollment, target)
    enrollment.refresh_from_db()
    assert enrollment.state == start
    assert not Outcome.objects.exists()


def test_closed_states_are_final():
    assert set(TRANSITIONS) == set(OPEN_STATES)


def test_a_reply_pauses_the_enrollment_and_stops_its_planned_touches():
    enrollment = EnrollmentFactory()
    step = enrollment.campaign.sequence.steps.first()
    touch = Touch.objects.create(
        practice=enrollment.practice,
        enrollment=enrollment,
        step=step,
        channel=step.channel,
        due_at="2026-12-02T14:00:00Z",
    )

    enrollment_reply(enrollment)

    touch.refresh_from_db()
    assert enrollment.state == State.PAUSED
    assert (touch.status, touch.reason) == (
        TouchStatus.SKIPPED,
        "skipped: enrollment paused: replied",
    )
    assert Outcome.objects.get().kind == OutcomeKind.REPLIED


def test_a_second_reply_does_not_move_a_paused_enrollment_again():
    enrollment = EnrollmentFactory(state=State.PAUSED)
    enrollment_reply(enrollment)
    assert not Outcome.objects.exists()


def test_a_stale_copy_cannot_overwrite_a_move_made_meanwhile():
    enrollment = EnrollmentFactory()
    stale = type(enrollment).objects.get(pk=enrollment.pk)
    enrollment_move(enrollment, State.PAUSED)

    with pytest.raises(IllegalTransition, match="Someone else"):
        enrollment_move(stale, State.OPTED_OUT)
