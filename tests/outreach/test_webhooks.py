"""Twilio webhooks, posted form-encoded and signed exactly as Twilio signs them."""

import pytest
from django.conf import settings
from django.urls import reverse

from campaigns.models import OutcomeKind, State, TouchStatus
from outreach.models import Attention, Message
from tests.fake_twilio.signing import (
    inbound_sms_payload,
    message_status_payload,
    sign,
)
from tests.outreach.helpers import SERVICE_SID, claimed_touch, twilio_post

pytestmark = pytest.mark.django_db
PATIENT = "+12125550123"
PRACTICE_NUMBER = "+12125550199"


@pytest.fixture
def token(settings):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    return settings.TWILIO_AUTH_TOKEN


def post(client, name, params, token, signature=None):
    return twilio_post(client, reverse(f"hooks:{name}"), params, token, signature=signature)


def text(client, token, body, **kwargs):
    params = inbound_sms_payload(
        from_=PATIENT, to=PRACTICE_NUMBER, body=body, messaging_service_sid=SERVICE_SID, **kwargs
    )
    return post(client, "sms_inbound", params, token), params


@pytest.fixture
def touch(practice):
    touch = claimed_touch(practice, phone=PATIENT, status=TouchStatus.PLANNED)
    return touch


def test_a_forged_signature_is_refused_and_nothing_is_recorded(client, token, touch):
    params = inbound_sms_payload(from_=PATIENT, to=PRACTICE_NUMBER, body="Yes please")
    response = post(client, "sms_inbound", params, token, signature="forged")
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_a_signature_for_other_words_is_refused(client, token, touch):
    params = inbound_sms_payload(from_=PATIENT, to=PRACTICE_NUMBER, body="Yes please")
    good = sign(settings.PUBLIC_BASE_URL + reverse("hooks:sms_inbound"), params, token)
    response = post(client, "sms_inbound", {**params, "Body": "STOP"}, token, signature=good)
    assert response.status_code == 403


def test_a_reply_joins_the_thread_and_pauses_the_enrollment(client, token, touch):
    response, _ = text(client, token, "Yes, still interested")

    assert response.status_code == 200
    message = Message.objects.get()
    assert (message.contact, message.body) == (touch.enrollment.contact, "Yes, still interested")
    touch.enrollment.refresh_from_db()
    touch.refresh_from_db()
    assert touch.enrollment.state == State.PAUSED
    assert touch.status == TouchStatus.SKIPPED


def test_the_same_webhook_twice_records_one_message(client, token, touch):
    _, params = text(client, token, "Yes")
    post(client, "sms_inbound", params, token)
    assert Message.objects.count() == 1


def test_stop_opts_out_at_once_and_ends_the_enrollment(client, token, touch):
    response, _ = text(client, token, "STOP", opt_out_type="STOP")

    contact = touch.enrollment.contact
    contact.refresh_from_db()
    touch.enrollment.refresh_from_db()
    assert contact.sms_opt_out_at is not None
    assert touch.enrollment.state == State.OPTED_OUT
    assert touch.enrollment.outcomes.filter(kind=OutcomeKind.OPTED_OUT).exists()
    # Twilio answers its own keywords; we add nothing.
    assert "<Message>" not in response.content.decode()


def test_a_plain_request_to_stop_opts_out_with_one_confirmation(client, token, touch):
    first, _ = text(client, token, "Please stop texting me")
    second, _ = text(client, token, "I said stop texting me")

    touch.enrollment.contact.refresh_from_db()
    assert touch.enrollment.contact.sms_opt_out_at is not None
    assert "unsubscribed" in first.content.decode()
    assert "<Message>" not in second.content.decode()


def test_stopall_opts_out_of_every_channel(client, token, touch):
    text(client, token, "stopall")
    contact = touch.enrollment.contact
    contact.refresh_from_db()
    assert contact.sms_opt_out_at and contact.call_opt_out_at and contact.email_opt_out_at


def test_start_opts_back_in_to_texts(client, token, touch):
    text(client, token, "STOP")
    text(client, token, "START")
    touch.enrollment.contact.refresh_from_db()
    assert touch.enrollment.contact.sms_opt_out_at is None


def test_help_answers_with_the_practices_help_text(client, token, touch, practice):
    practice.help_text = "Harbor Dental, 555-0100. Reply STOP to stop."
    practice.save()
    response, _ = text(client, token, "HELP")
    assert "Harbor Dental, 555-0100." in response.content.decode()


def test_an_unclear_request_is_flagged_for_a_coordinator(client, token, touch):
    text(client, token, "not interested, who is this")
    message = Message.objects.get()
    assert message.attention == Attention.UNCLEAR_OPT_OUT
    touch.enrollment.contact.refresh_from_db()
    assert touch.enrollment.contact.sms_opt_out_at is None


def test_wrong_number_is_flagged(client, token, touch):
    text(client, token, "Wrong number, sorry")
    assert Message.objects.get().attention == Attention.WRONG_NUMBER


def test_an_unknown_sender_goes_to_the_unmatched_inbox(client, token, touch):
    params = inbound_sms_payload(
        from_="+19175550100", to=PRACTICE_NUMBER, body="Hi", messaging_service_sid=SERVICE_SID
    )
    post(client, "sms_inbound", params, token)
    message = Message.objects.get()
    assert message.contact is None and message.attention == Attention.UNMATCHED
    assert message.practice == touch.practice


def sent_message(touch, sid="SM" + "a" * 32):
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


def status(client, token, message, value, **kwargs):
    params = message_status_payload(
        message_sid=message.provider_id, status=value, to=PATIENT, **kwargs
    )
    return post(client, "sms_status", params, token)


def test_status_only_moves_forward(client, token, touch):
    message = sent_message(touch)
    status(client, token, message, "delivered")
    status(client, token, message, "sent")  # late, out of order
    message.refresh_from_db()
    assert message.status == "delivered"


def test_an_unsubscribed_error_opts_the_patient_out(client, token, touch):
    message = sent_message(touch)
    status(client, token, message, "failed", error_code=21610)
    touch.enrollment.contact.refresh_from_db()
    assert touch.enrollment.contact.sms_opt_out_at is not None


def test_a_carrier_spam_block_alerts_and_is_not_resent(client, token, touch):
    message = sent_message(touch)
    status(client, token, message, "undelivered", error_code=30007)
    message.refresh_from_db()
    assert message.attention == Attention.CARRIER_BLOCKED
    assert (
        not touch.enrollment.touches.filter(status="planned", step=touch.step)
        .exclude(pk=touch.pk)
        .exists()
    )


def test_an_unreachable_handset_is_retried_on_a_later_day(client, token, touch):
    touch.status = TouchStatus.SENT
    touch.save()
    message = sent_message(touch)
    status(client, token, message, "undelivered", error_code=30003)
    retry = touch.enrollment.touches.exclude(pk=touch.pk).get(step=touch.step)
    assert retry.status == TouchStatus.PLANNED and "unreachable" in retry.reason


def test_email_one_click_unsubscribe(client, touch):
    from outreach.links import unsubscribe_token

    contact = touch.enrollment.contact
    path = reverse("hooks:email_unsubscribe", kwargs={"token": unsubscribe_token(contact)})
    assert client.get(path).status_code == 200  # a link scanner's GET changes nothing
    contact.refresh_from_db()
    assert contact.email_opt_out_at is None
    client.post(path, {"List-Unsubscribe": "One-Click"})
    contact.refresh_from_db()
    assert contact.email_opt_out_at is not None


def test_a_tampered_unsubscribe_token_changes_nothing(client, touch):
    path = reverse("hooks:email_unsubscribe", kwargs={"token": "not-a-token"})
    assert client.post(path).status_code == 400
