"""Click-to-call over the contact cap: the coordinator is asked first, with the reason; a
call anyway starts through Twilio and the override is audited (counts only)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import State
from outreach.models import Direction, Kind, Message
from reactivate.models import AuditEvent, Role
from tests.factories import ContactFactory, EnrollmentFactory
from tests.outreach.helpers import sender_for

pytestmark = pytest.mark.django_db

MIAMI = "+13055550123"


@pytest.fixture
def me(member):
    membership = member(Role.COORDINATOR)
    membership.user.phone = "+12125550177"
    membership.user.save()
    return membership


@pytest.fixture
def client(client_for, me):
    return client_for(me)


@pytest.fixture
def enrollment(practice, me):
    sender_for(practice)
    contact = ContactFactory(practice=practice, phone=MIAMI, time_zone="America/New_York")
    return EnrollmentFactory(
        campaign__practice=practice,
        campaign__status="running",
        contact=contact,
        coordinator=me.user,
        state=State.ACTIVE,
    )


def three_contacts_today(enrollment):
    # A text and a call to the patient, and a text to a family member at the number.
    sibling = ContactFactory(practice=enrollment.practice, phone=MIAMI)
    patient = enrollment.contact
    for contact, channel in ((patient, "sms"), (patient, "call"), (sibling, "sms")):
        message = Message.objects.create(
            practice=enrollment.practice, contact=contact, direction=Direction.OUT,
            channel=channel, kind=Kind.TOUCH, to_number=MIAMI, status="sent",
        )  # fmt: skip
        Message.objects.filter(pk=message.pk).update(
            created_at=timezone.now() - dt.timedelta(hours=2)
        )


def call(client, enrollment, **data):
    path = reverse(
        "outreach:call",
        kwargs={"practice_slug": enrollment.practice.slug, "enrollment_id": enrollment.pk},
    )
    return client.post(path, data, headers={"HX-Request": "true"}).content.decode()


def test_a_call_over_floridas_cap_asks_first_and_places_nothing(client, enrollment, twilio):
    three_contacts_today(enrollment)

    page = call(client, enrollment)

    asked = "This would be the 4th call or text to this number in 24 hours; Florida allows 3."
    assert asked in page
    assert "Call anyway" in page
    assert twilio.calls == []
    assert not Message.objects.filter(kind=Kind.MANUAL).exists()
    assert not AuditEvent.objects.filter(detail__override="contact cap").exists()


def test_calling_anyway_rings_the_coordinator_and_audits_the_override(
    client, enrollment, twilio, practice
):
    three_contacts_today(enrollment)

    page = call(client, enrollment, confirm="over-cap")

    assert "Your phone is ringing" in page
    [placed] = twilio.calls
    assert placed["to"] == "+12125550177"
    message = Message.objects.get(kind=Kind.MANUAL)
    event = AuditEvent.objects.get(detail__override="contact cap")
    assert (event.practice, event.object_id) == (practice, str(message.pk))
    assert event.detail == {"override": "contact cap", "cap_used": 3, "cap_limit": 3}
    assert message.receipt["a"] == "override" and message.receipt["c"] == [3, 3]


def test_a_call_under_the_cap_starts_without_asking(client, enrollment, twilio):
    assert "Your phone is ringing" in call(client, enrollment)
    assert len(twilio.calls) == 1
    assert not AuditEvent.objects.filter(detail__override="contact cap").exists()
