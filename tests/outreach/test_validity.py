"""No late arrival (issue 17.3): every text carries Twilio's ValidityPeriod, ending with the
recipient's window, as the fake Twilio receives it; a text with under a minute left waits
for the next window; an expired text goes back to planned (through the signed callback)."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from campaigns.models import Channel, TouchStatus
from outreach.models import Message
from tests.fake_twilio.signing import message_status_payload
from tests.outreach.helpers import NOON, claimed_touch, send_one, sender_for, twilio_post

pytestmark = pytest.mark.django_db
PATIENT = "+12125550123"
# 19:00 in New York on that Wednesday (the practice's default window is 09:00-19:00).
WINDOW_END = dt.datetime(2026, 12, 3, 0, 0, tzinfo=dt.UTC)
NEXT_MORNING = dt.datetime(2026, 12, 3, 14, 0, tzinfo=dt.UTC)  # Thursday 09:00 New York


def sent_to(fake):
    [message] = fake.messages_to(PATIENT)
    return message


def send_at(touch, moment):
    with time_machine.travel(moment, tick=False):
        return send_one(touch.pk, moment)


def test_a_text_expires_when_the_patients_window_closes(practice, twilio):
    touch = claimed_touch(practice, phone=PATIENT)

    assert send_at(touch, NOON) == "sent"

    # Nine hours to 19:00 in New York, less five seconds for the way to Twilio.
    assert sent_to(twilio)["validity_period"] == 9 * 3600 - 5


def test_a_text_late_in_the_window_gets_the_minutes_left(practice, twilio):
    touch = claimed_touch(practice, phone=PATIENT)
    moment = WINDOW_END - dt.timedelta(minutes=30)

    assert send_at(touch, moment) == "sent"

    assert sent_to(twilio)["validity_period"] == 30 * 60 - 5


def test_a_long_window_is_capped_at_twilios_ten_hours(practice, twilio):
    practice.sending_window_start, practice.sending_window_end = dt.time(8), dt.time(21)
    practice.save()
    touch = claimed_touch(practice, phone=PATIENT)

    assert send_at(touch, NOON) == "sent"  # 10:00 in New York: eleven hours left

    assert sent_to(twilio)["validity_period"] == 36000


def test_a_florida_number_expires_at_floridas_earlier_end(practice, twilio):
    practice.sending_window_start, practice.sending_window_end = dt.time(8), dt.time(21)
    practice.save()
    touch = claimed_touch(practice, phone="+13055550123")  # Miami: 8:00-20:00

    assert send_at(touch, WINDOW_END + dt.timedelta(minutes=30)) == "sent"  # 19:30 there

    [message] = twilio.messages_to("+13055550123")
    assert message["validity_period"] == 30 * 60 - 5


def test_a_text_thirty_seconds_before_the_window_closes_waits_for_the_next_window(practice, twilio):
    touch = claimed_touch(practice, phone=PATIENT)

    assert send_at(touch, WINDOW_END - dt.timedelta(seconds=30)) == "held"

    touch.refresh_from_db()
    assert twilio.messages_to(PATIENT) == []
    assert (touch.status, touch.due_at) == (TouchStatus.PLANNED, NEXT_MORNING)
    assert touch.reason.startswith("held: the window closes at 19:00 in America/New_York")
    assert not Message.objects.filter(touch=touch).exists()


def test_a_text_a_few_minutes_before_the_end_still_goes(practice, twilio):
    touch = claimed_touch(practice, phone=PATIENT)

    assert send_at(touch, WINDOW_END - dt.timedelta(seconds=65)) == "sent"

    assert sent_to(twilio)["validity_period"] == 60


def test_calls_carry_no_validity_period(practice, twilio):
    touch = claimed_touch(practice, phone=PATIENT, channel=Channel.VOICEMAIL)

    assert send_at(touch, NOON) == "sent"

    [call] = twilio.calls_to(PATIENT)
    assert "ValidityPeriod" not in call["params"]


# --- An expired text ---------------------------------------------------------------------


@pytest.fixture
def token(twilio):
    return settings.TWILIO_AUTH_TOKEN  # the fake Twilio's: it signs what it posts


def callback(client, token, sid, error_code, status="failed"):
    params = message_status_payload(
        message_sid=sid, status=status, to=PATIENT, error_code=error_code
    )
    return twilio_post(client, reverse("hooks:sms_status"), params, token)


@pytest.fixture
def sent_late(practice, twilio, token):
    """A text sent ten minutes before the window closed."""
    touch = claimed_touch(practice, phone=PATIENT)
    assert send_at(touch, WINDOW_END - dt.timedelta(minutes=10)) == "sent"
    touch.refresh_from_db()
    return touch


@pytest.mark.parametrize("code", [30036, 30001])
def test_an_expired_text_goes_back_to_planned_for_the_next_window(client, token, sent_late, code):
    sid = sent_late.provider_id
    with time_machine.travel(WINDOW_END + dt.timedelta(minutes=1), tick=False):
        assert callback(client, token, sid, code).status_code == 204

    sent_late.refresh_from_db()
    assert (sent_late.status, sent_late.due_at) == (TouchStatus.PLANNED, NEXT_MORNING)
    assert sent_late.provider_id is None and sent_late.reason.startswith("held: expired")
    old = Message.objects.get(provider_id=sid)
    assert (old.status, old.error_code, old.touch_id) == ("failed", code, None)
    assert "expired in Twilio's queue" in old.reason and old.contact_id


def test_an_expired_text_is_sent_again_as_a_new_attempt_in_the_next_window(
    client, token, sent_late, twilio
):
    first = sent_late.provider_id
    with time_machine.travel(WINDOW_END + dt.timedelta(minutes=1), tick=False):
        callback(client, token, first, 30036)
    sent_late.refresh_from_db()
    sent_late.status = TouchStatus.CLAIMED
    sent_late.save()

    assert send_at(sent_late, NEXT_MORNING) == "sent"

    sent_late.refresh_from_db()
    assert [m["sid"] for m in twilio.messages_to(PATIENT)] == [first, sent_late.provider_id]
    assert sent_late.attempts == 2
    assert Message.objects.filter(contact=sent_late.enrollment.contact).count() == 2


def test_the_same_expiry_callback_twice_plans_the_touch_once(client, token, sent_late):
    sid = sent_late.provider_id
    with time_machine.travel(WINDOW_END + dt.timedelta(minutes=1), tick=False):
        callback(client, token, sid, 30036)
        callback(client, token, sid, 30036)

    assert sent_late.enrollment.touches.filter(step=sent_late.step).count() == 1


def test_a_text_that_keeps_expiring_fails_for_a_person_to_look_at(client, token, sent_late):
    type(sent_late).objects.filter(pk=sent_late.pk).update(attempts=3)
    with time_machine.travel(WINDOW_END + dt.timedelta(minutes=1), tick=False):
        callback(client, token, sent_late.provider_id, 30036)

    sent_late.refresh_from_db()
    assert sent_late.status == TouchStatus.FAILED
    assert "expired in Twilio's queue 3 times" in sent_late.reason


def test_another_failure_code_still_fails_the_text(client, token, sent_late):
    with time_machine.travel(WINDOW_END + dt.timedelta(minutes=1), tick=False):
        callback(client, token, sent_late.provider_id, 30008)

    sent_late.refresh_from_db()
    assert sent_late.status == TouchStatus.FAILED
    assert Message.objects.get(provider_id=sent_late.provider_id).touch_id == sent_late.pk


def test_a_coordinators_reply_expires_when_the_patients_window_closes(practice, twilio):
    from outreach.conversation import reply_send
    from tests.factories import ContactFactory

    sender_for(practice)
    patient = ContactFactory(practice=practice, phone=PATIENT)
    moment = WINDOW_END - dt.timedelta(minutes=30)

    with time_machine.travel(moment, tick=False):
        reply_send(patient, "Thanks, we will call you tomorrow.", user=None, now=moment)

    assert sent_to(twilio)["validity_period"] == 30 * 60 - 5
