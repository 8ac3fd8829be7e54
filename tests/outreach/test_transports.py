"""Every provider request goes through the transport interface, so the sandbox stands in
for all of them: click-to-call, the voicemail redirect and the reaper's look-up. The
Twilio versions run through the real SDK against the fake Twilio."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from campaigns.models import Channel, State, Touch, TouchStatus
from outreach.dispatch import touches_reap
from outreach.models import Message
from outreach.transports import Outgoing, SendError, transport_for
from outreach.transports.voice import TwilioVoicemailTransport
from reactivate.models import Role
from tests.factories import ContactFactory, EnrollmentFactory
from tests.outreach.helpers import NOON, claimed_touch, send_one, sender_for

pytestmark = pytest.mark.django_db
LATER = NOON + dt.timedelta(minutes=30)
UNREACHABLE = "+15005550002"  # Twilio's test number a call cannot reach (21214)


@pytest.fixture(autouse=True)
def _clock():
    # The fake Twilio stamps records with the clock, as Twilio would.
    with time_machine.travel(NOON, tick=True):
        yield


@pytest.fixture
def sandbox(settings, fake_twilio):
    settings.MESSAGING_BACKEND = "sandbox"
    return fake_twilio


@pytest.fixture
def coordinator(member):
    membership = member(Role.COORDINATOR)
    membership.user.phone = "+12125550177"
    membership.user.save()
    return membership


def click_to_call(client_for, coordinator, practice):
    sender_for(practice)
    enrollment = EnrollmentFactory(
        campaign__practice=practice,
        campaign__status="running",
        contact=ContactFactory(practice=practice, phone="+12125550123"),
        coordinator=coordinator.user,
        state=State.PAUSED,
    )
    path = reverse(
        "outreach:call", kwargs={"practice_slug": practice.slug, "enrollment_id": enrollment.pk}
    )
    return client_for(coordinator).post(path, headers={"HX-Request": "true"})


def sandbox_accepts_then_the_worker_dies(touch: Touch) -> Message:
    """What a worker killed after the sandbox took the text, before the answer was
    recorded, leaves: the touch in sending, its attempt row without the provider's id."""
    Touch.objects.filter(pk=touch.pk).update(status=TouchStatus.SENDING)
    message = Message.objects.create(
        practice=touch.practice,
        contact=touch.enrollment.contact,
        touch=touch,
        direction="out",
        channel=touch.channel,
        body="Hi",
        to_number=touch.enrollment.contact.phone,
    )
    return message


def test_sandbox_click_to_call_connects_without_a_500_and_leaves_no_message_in_sending(
    client_for, coordinator, practice, sandbox
):
    response = click_to_call(client_for, coordinator, practice)

    assert response.status_code == 200
    assert "Your phone is ringing" in response.content.decode()
    [call] = Message.objects.filter(channel="call")
    assert call.status != "sending" and call.provider_id.startswith("CAsandbox")
    assert sandbox.requests == 0


def test_a_click_to_call_twilio_refuses_says_why_and_leaves_no_message_in_sending(
    client_for, coordinator, practice, twilio
):
    coordinator.user.phone = UNREACHABLE
    coordinator.user.save()

    response = click_to_call(client_for, coordinator, practice)

    assert response.status_code == 200
    assert "Twilio cannot reach this number by phone" in response.content.decode()
    [call] = Message.objects.filter(channel="call")
    assert (call.status, call.error_code) == ("failed", 21214)


def test_a_text_the_sandbox_accepted_before_a_crash_is_reconciled_as_sent_not_resent(
    practice, sandbox
):
    touch = claimed_touch(practice)
    message = sandbox_accepts_then_the_worker_dies(touch)
    sid = transport_for(Channel.SMS).send(
        Outgoing(message_id=message.pk, channel="sms", to=message.to_number, body=message.body)
    )

    assert touches_reap(LATER)["sent"] == 1

    touch.refresh_from_db()
    assert (touch.status, touch.provider_id) == (TouchStatus.SENT, sid)


def test_a_text_the_sandbox_never_got_is_planned_again_by_the_reaper(practice, sandbox):
    touch = claimed_touch(practice)
    sandbox_accepts_then_the_worker_dies(touch)  # ...but before the sandbox took it

    assert touches_reap(LATER)["planned"] == 1

    touch.refresh_from_db()
    assert touch.status == TouchStatus.PLANNED and not Message.objects.exists()


def test_a_voicemail_twilio_placed_before_a_500_is_reconciled_not_called_again(practice, twilio):
    touch = claimed_touch(practice, channel=Channel.VOICEMAIL)
    twilio.fail_after_accept(500)

    assert send_one(touch.pk, NOON) == "unknown"
    touches_reap(LATER)

    [placed] = twilio.calls
    touch.refresh_from_db()
    assert (touch.status, touch.provider_id) == (TouchStatus.SENT, placed["sid"])


def test_redirecting_a_call_twilio_does_not_know_is_a_transport_error(twilio):
    with pytest.raises(SendError) as raised:
        TwilioVoicemailTransport().call_redirect("CA" + "0" * 32, "<Response/>")
    assert raised.value.permanent and raised.value.status == 404
