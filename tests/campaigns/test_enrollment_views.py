"""A coordinator records a decision on an enrollment: re-qualification, not now, elsewhere."""

import datetime as dt

import pytest
from django.urls import reverse

from campaigns.models import OutcomeKind, State
from outreach.inbound import inbound_sms_receive
from outreach.models import Message
from reactivate.models import Role
from tests.factories import EnrollmentFactory
from tests.outreach.helpers import sender_for

pytestmark = pytest.mark.django_db


def url(enrollment):
    return reverse(
        "campaigns:enrollment",
        kwargs={"practice_slug": enrollment.practice.slug, "enrollment_id": enrollment.pk},
    )


@pytest.fixture
def coordinator(client_for, member):
    return client_for(member(Role.COORDINATOR))


def test_requalifying_soon_and_fit_schedules_in_practice_time(coordinator, practice):
    enrollment = EnrollmentFactory(campaign__practice=practice, state=State.PAUSED)

    coordinator.post(
        url(enrollment),
        {
            "decision": "requalify",
            "soon": "yes",
            "fit": "yes",
            "appointment_at": "2027-01-05T10:30",
        },
    )

    enrollment.refresh_from_db()
    assert enrollment.state == State.SCHEDULED
    # Harbor Dental is in New York: 10:30 there is 15:30 UTC in January.
    assert enrollment.appointment_at == dt.datetime(2027, 1, 5, 15, 30, tzinfo=dt.UTC)


def test_not_now_with_a_return_date(coordinator, practice):
    enrollment = EnrollmentFactory(campaign__practice=practice)
    coordinator.post(url(enrollment), {"decision": "not_now", "return_date": "2099-04-01"})
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.nurture_until) == (
        State.CLOSED_NOT_NOW,
        dt.date(2099, 4, 1),
    )


def test_went_elsewhere_asks_what_mattered_most(coordinator, practice):
    enrollment = EnrollmentFactory(campaign__practice=practice, state=State.REQUALIFYING)
    page = coordinator.get(url(enrollment))
    assert "What mattered most in that decision?" in page.content.decode()

    coordinator.post(
        url(enrollment), {"decision": "elsewhere", "category": "price", "what_mattered": "Cost"}
    )

    assert enrollment.outcomes.get().kind == OutcomeKind.WENT_ELSEWHERE


def test_a_closed_enrollment_shows_no_decision_forms(coordinator, practice):
    enrollment = EnrollmentFactory(campaign__practice=practice, state=State.CLOSED_NOT_FIT)
    page = coordinator.get(url(enrollment))
    assert page.context["can_change"] is False
    assert "Re-qualify" not in page.content.decode()


def test_an_illegal_decision_is_explained_not_applied(coordinator, practice):
    enrollment = EnrollmentFactory(campaign__practice=practice, state=State.SCHEDULED)
    response = coordinator.post(
        url(enrollment), {"decision": "not_now", "return_date": "2099-04-01"}
    )
    assert "already scheduled" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.state == State.SCHEDULED


def test_a_decision_on_the_enrollment_page_answers_the_patients_waiting_reply(
    coordinator, practice
):
    enrollment = EnrollmentFactory(campaign__practice=practice, state=State.ACTIVE)
    message, _answer = inbound_sms_receive(
        {
            "MessageSid": "SM" + "7" * 32,
            "From": enrollment.contact.phone,
            "To": sender_for(practice).sms_number,
            "Body": "Maybe later in the spring",
        }
    )
    enrollment.refresh_from_db()
    assert enrollment.reply_waiting_since is not None

    coordinator.post(url(enrollment), {"decision": "not_now", "return_date": "2099-04-01"})

    message.refresh_from_db()
    enrollment.refresh_from_db()
    assert message.handled_at is not None
    assert enrollment.reply_waiting_since is None
    assert Message.objects.filter(handled_at__isnull=True).count() == 0
