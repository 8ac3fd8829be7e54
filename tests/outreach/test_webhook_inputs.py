"""Odd but signed Twilio webhooks: answered without a 500 (Twilio retries a 500, so each
would be a loop) and recorded once. Posted form-encoded and signed as Twilio signs."""

import pytest
from django.urls import reverse

from campaigns.models import TouchStatus
from outreach.models import Message
from tests.fake_twilio.signing import (
    inbound_sms_payload,
    message_status_payload,
)
from tests.outreach.helpers import SERVICE_SID, claimed_touch, twilio_post

pytestmark = pytest.mark.django_db
PATIENT = "+12125550123"
PRACTICE_NUMBER = "+12125550199"
NO_SID = ("MessageSid", "SmsSid", "SmsMessageSid")


@pytest.fixture
def token(settings):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    return settings.TWILIO_AUTH_TOKEN


@pytest.fixture
def touch(practice):
    return claimed_touch(practice, phone=PATIENT, status=TouchStatus.PLANNED)


def post(client, name, params, token):
    return twilio_post(client, reverse(f"hooks:{name}"), params, token)


def inbound(body="Yes please", from_=PATIENT, **extra):
    return inbound_sms_payload(
        from_=from_, to=PRACTICE_NUMBER, body=body, messaging_service_sid=SERVICE_SID, **extra
    )


def without_sid(params):
    return {key: value for key, value in params.items() if key not in NO_SID}


def test_a_nul_byte_in_the_body_keeps_the_patients_words(client, token, touch):
    response = post(client, "sms_inbound", inbound("Yes\x00 please"), token)

    assert response.status_code == 200
    body = Message.objects.get().body
    assert body.startswith("Yes") and body.endswith(" please") and "\x00" not in body


def test_a_nul_byte_in_the_sender_is_answered_and_recorded(client, token, touch):
    response = post(client, "sms_inbound", inbound(from_="+1212\x005550123"), token)

    assert response.status_code == 200
    assert Message.objects.get().body == "Yes please"


def test_a_message_sid_longer_than_any_twilio_sid_is_recorded_once(client, token, touch):
    params = inbound(message_sid="SM" + "a" * 200)

    assert post(client, "sms_inbound", params, token).status_code == 200
    assert post(client, "sms_inbound", params, token).status_code == 200
    assert Message.objects.count() == 1


def test_an_inbound_text_without_a_message_sid_posted_twice_is_recorded_once(client, token, touch):
    params = without_sid(inbound("Can I come Tuesday?"))

    assert post(client, "sms_inbound", params, token).status_code == 200
    assert post(client, "sms_inbound", params, token).status_code == 200
    assert Message.objects.count() == 1


def test_two_different_texts_without_a_message_sid_are_both_kept(client, token, touch):
    post(client, "sms_inbound", without_sid(inbound("Can I come Tuesday?")), token)
    post(client, "sms_inbound", without_sid(inbound("Or Wednesday?")), token)

    assert list(Message.objects.values_list("body", flat=True)) == [
        "Can I come Tuesday?",
        "Or Wednesday?",
    ]


def sent(touch, sid="SM" + "b" * 32):
    return Message.objects.create(
        practice=touch.practice,
        contact=touch.enrollment.contact,
        touch=touch,
        direction="out",
        channel="sms",
        body="Hi",
        provider_id=sid,
        status="queued",
    )


def test_a_30_digit_error_code_still_moves_the_status(client, token, touch):
    message = sent(touch)
    params = message_status_payload(
        message_sid=message.provider_id, status="failed", to=PATIENT, error_code="9" * 30
    )

    assert post(client, "sms_status", params, token).status_code == 204
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", None)


def test_a_status_callback_with_an_overlong_sid_is_answered(client, token, touch):
    params = message_status_payload(message_sid="SM" + "c" * 200, status="delivered", to=PATIENT)
    assert post(client, "sms_status", params, token).status_code == 204


def test_a_nul_byte_in_a_status_callback_is_answered(client, token, touch):
    message = sent(touch)
    params = message_status_payload(
        message_sid=message.provider_id, status="deliv\x00ered", to=PATIENT, error_code="3\x00"
    )
    assert post(client, "sms_status", params, token).status_code == 204


def test_a_stop_without_a_sender_opts_nobody_out(client, token, touch, practice):
    phoneless = claimed_touch(practice, phone="", phone_valid=False, status=TouchStatus.PLANNED)
    params = {key: value for key, value in inbound("STOP").items() if key != "From"}

    assert post(client, "sms_inbound", params, token).status_code == 200
    for contact in (touch.enrollment.contact, phoneless.enrollment.contact):
        contact.refresh_from_db()
        assert contact.sms_opt_out_at is None
    assert Message.objects.get().attention == "unmatched"


def test_a_nul_byte_in_a_dial_result_is_answered(client, token, touch):
    call = Message.objects.create(
        practice=touch.practice, direction="out", channel="call", status="queued"
    )
    path = reverse("hooks:call_result", kwargs={"message_id": call.pk})
    params = {"CallSid": "CA" + "d" * 32, "DialCallStatus": "comp\x00leted"}
    response = twilio_post(client, path, params, token)
    assert response.status_code == 200
