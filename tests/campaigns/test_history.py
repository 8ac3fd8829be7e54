"""A merge moves a patient's enrollments; the contact page shows the outcome log."""

import datetime as dt

import pytest

from campaigns.enrollments import enrollment_move
from campaigns.models import Outcome, OutcomeKind, State, Touch, TouchStatus
from campaigns.outcomes import outcome_record
from contacts.dedupe import contact_merge
from contacts.history import history_timeline
from tests.factories import CampaignFactory, EnrollmentFactory, duplicate_pair

pytestmark = pytest.mark.django_db


def enroll(contact, state=State.ACTIVE):
    campaign = CampaignFactory(practice=contact.practice)
    return EnrollmentFactory(campaign=campaign, contact=contact, state=state)


def test_a_merge_moves_the_merged_records_enrollments_to_the_survivor(practice):
    survivor, merged = duplicate_pair(practice)
    enrollment = enroll(merged, State.SCHEDULED)
    contact_merge(survivor=survivor, merged=merged)
    enrollment.refresh_from_db()
    assert enrollment.contact == survivor


def test_the_enrollment_further_along_continues_and_the_other_is_completed(practice):
    survivor, merged = duplicate_pair(practice)
    running = enroll(survivor, State.ACTIVE)
    Touch.objects.create(
        practice=practice,
        enrollment=running,
        step=running.campaign.sequence.steps.first(),
        channel="sms",
        due_at=dt.datetime(2026, 12, 2, 15, tzinfo=dt.UTC),
    )
    replied = enroll(merged, State.PAUSED)
    contact_merge(survivor=survivor, merged=merged)
    running.refresh_from_db()
    replied.refresh_from_db()
    assert (replied.state, replied.contact) == (State.PAUSED, survivor)
    assert running.state == State.COMPLETED
    assert running.touches.get().status == TouchStatus.SKIPPED
    assert "merged with another record" in running.outcomes.get().note


def test_a_merge_of_two_records_both_in_a_conversation_is_refused_and_changes_nothing(
    practice,
):
    survivor, merged = duplicate_pair(practice)
    enroll(survivor, State.PAUSED)
    enroll(merged, State.REQUALIFYING)
    with pytest.raises(ValueError, match="finish one of them"):
        contact_merge(survivor=survivor, merged=merged)
    merged.refresh_from_db()
    assert merged.merged_into is None
    assert merged.enrollments.get().state == State.REQUALIFYING


def test_the_survivors_timeline_shows_the_merged_records_outcomes(practice, member):
    user = member().user
    survivor, merged = duplicate_pair(practice)
    enrollment = enroll(merged)
    enrollment_move(enrollment, State.PAUSED)
    outcome_record(contact=merged, enrollment=enrollment, kind=OutcomeKind.NO_ANSWER, user=user)
    contact_merge(survivor=survivor, merged=merged)
    # The outcome log is never rewritten: the entries keep the merged record's id.
    assert Outcome.objects.filter(contact=merged).count() == 2
    whats = [entry.what for entry in history_timeline(survivor)]
    campaign = enrollment.campaign.name
    assert f"Replied ({campaign})" in whats
    assert f"No answer ({campaign})" in whats
