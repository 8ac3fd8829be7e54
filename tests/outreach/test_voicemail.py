"""Voicemail drops: a call with answering-machine detection, through the real SDK."""

import pytest
from django.urls import reverse

from campaigns.models import Channel, TouchStatus
from outreach.models import Message
from tests.fake_twilio.signing import amd_status_payload
from tests.outreach.helpers import NOON, claimed_touch, send_one, twilio_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def voicemail(practice, twilio_settings, fake_twilio):
    twilio_settings.MESSAGING_BACKEND = "twilio"
    twilio_settings.OUTREACH_SEND_RATE = 0
    touch = claimed_touch(practice, channel=Channel.VOICEMAIL)
    assert send_one(touch.pk, NOON) == "sent"
    return touch


def amd(client, call_sid, answered_by):
    params = amd_status_payload(call_sid=call_sid, answered_by=answered_by)
    return twilio_post(client, reverse("hooks:voicemail_amd"), params)


def test_the_call_asks_for_asynchronous_machine_detection(voicemail, fake_twilio):
    [call] = fake_twilio.calls_to("+12125550123")
    assert call["machine_detection"] == "DetectMessageEnd"
    assert call["async_amd"] in ("true", "True", True)
    assert call["from"] == "+12125550199"


def test_a_machine_gets_the_voicemail_script(client, voicemail, fake_twilio):
    [call] = fake_twilio.calls
    amd(client, call["sid"], "machine_end_beep")

    [update] = fake_twilio.calls[0]["updates"]
    script = Message.objects.get(touch=voicemail).body
    assert f"<Say>{script}</Say>" in update["Twiml"]


def test_a_person_is_connected_to_the_practice(client, voicemail, fake_twilio):
    [call] = fake_twilio.calls
    amd(client, call["sid"], "human")
    assert "<Dial>+12125550100</Dial>" in fake_twilio.calls[0]["updates"][0]["Twiml"]


def test_unsure_detection_hangs_up_and_leaves_a_call_task(client, voicemail, fake_twilio):
    [call] = fake_twilio.calls
    amd(client, call["sid"], "unknown")
    assert "<Hangup />" in fake_twilio.calls[0]["updates"][0]["Twiml"]
    task = voicemail.enrollment.touches.get(channel=Channel.CALL, status=TouchStatus.PLANNED)
    assert "unsure" in task.reason


def test_a_replayed_unsure_detection_leaves_one_call_task(client, voicemail, fake_twilio):
    [call] = fake_twilio.calls
    assert amd(client, call["sid"], "unknown").status_code == 204
    assert amd(client, call["sid"], "unknown").status_code == 204

    assert voicemail.enrollment.touches.filter(channel=Channel.CALL).count() == 1
    assert len(fake_twilio.calls[0]["updates"]) == 1


def test_a_fax_leaves_no_call_task(client, voicemail, fake_twilio):
    [call] = fake_twilio.calls
    assert amd(client, call["sid"], "fax").status_code == 204

    assert "<Hangup />" in fake_twilio.calls[0]["updates"][0]["Twiml"]
    assert not voicemail.enrollment.touches.filter(channel=Channel.CALL).exists()


def test_a_fax_marks_the_number_not_a_voice_line(client, voicemail, fake_twilio, practice):
    [call] = fake_twilio.calls
    amd(client, call["sid"], "fax")

    again = claimed_touch(practice, channel=Channel.VOICEMAIL)  # a family member, same number
    assert send_one(again.pk, NOON) == "skipped"
    again.refresh_from_db()
    assert "not a voice line" in again.reason
    assert len(fake_twilio.calls) == 1


def test_detection_for_an_unknown_call_is_answered(client, voicemail):
    assert amd(client, "CA" + "f" * 200, "machine_end_beep").status_code == 204
