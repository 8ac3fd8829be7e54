"""Revocation by any reasonable means (issue 17.5): a coordinator recording the patient's
words on the phone, an email reply, a voicemail's transcript. Each takes the path a STOP
text takes: every channel, everyone at the number or address, one confirmation text."""

import base64

import pytest
import time_machine
from django.urls import reverse

from campaigns.models import Channel, TouchStatus
from contacts.models import ConsentEvent, ConsentKind
from outreach.models import AddressBlock, Kind, Message
from outreach.tasks import revocation_confirmation_send
from reactivate.models import Role
from tests.outreach.helpers import NOON, claimed_touch, send_one, twilio_post

pytestmark = pytest.mark.django_db
SHARED = "+12125550123"
FAMILY_EMAIL = "family@example.com"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOON, tick=True):
        yield


def family(practice):
    """Two patients sharing a phone and an email address, each with a planned text."""
    fields = {"email": FAMILY_EMAIL, "email_valid": True, "status": TouchStatus.PLANNED}
    return claimed_touch(practice, **fields), claimed_touch(practice, **fields)


def everything_blocked(practice):
    blocks = set(AddressBlock.objects.filter(practice=practice).values_list("address", "channel"))
    return {(SHARED, "sms"), (SHARED, "call"), (FAMILY_EMAIL, "email")} <= blocks


def confirmations_sent(callbacks, twilio):
    """Run the queued confirmation tasks' work as the worker would; what the phone got."""
    for message in Message.objects.filter(kind=Kind.CONFIRMATION):
        revocation_confirmation_send(message.pk)
    return twilio.messages_to(SHARED)


def test_a_coordinator_records_a_patient_asking_on_the_phone(
    client_for, member, practice, twilio, django_capture_on_commit_callbacks
):
    first, _second = family(practice)
    later = claimed_touch(practice)
    page = client_for(member(Role.COORDINATOR))
    url = reverse(
        "outreach:consent_revoked",
        kwargs={"practice_slug": practice.slug, "contact_id": first.enrollment.contact_id},
    )

    with django_capture_on_commit_callbacks() as callbacks:
        page.post(url, {"words": "please stop calling and texting me"})
        page.post(url, {"words": "I told you to stop"})

    assert everything_blocked(practice)
    assert len(callbacks) == 1  # one confirmation, not one per patient nor per repeat
    assert len(confirmations_sent(callbacks, twilio)) == 1
    assert send_one(later.pk, NOON) == "skipped"
    event = ConsentEvent.objects.filter(kind=ConsentKind.REVOKED).first()
    assert (event.channel, event.source) == ("phone call", "coordinator")


def test_a_coordinator_must_say_what_the_patient_said(client_for, member, practice, twilio):
    first, _ = family(practice)
    url = reverse(
        "outreach:consent_revoked",
        kwargs={"practice_slug": practice.slug, "contact_id": first.enrollment.contact_id},
    )

    response = client_for(member(Role.COORDINATOR)).post(url, {"words": ""}, follow=True)

    assert "Write what the patient said" in response.content.decode()
    assert not AddressBlock.objects.exists()


def _inbound_email(client, *, text, auth="hook:secret", to="hello@harbor.example"):
    headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()}
    return client.post(
        reverse("hooks:email_replies"),
        {
            "headers": f"From: Pat <{FAMILY_EMAIL}>\nTo: {to}\nMessage-ID: <r1@example.com>\n",
            "from": f"Pat <{FAMILY_EMAIL}>",
            "to": to,
            "subject": "Re: Still thinking about it?",
            "text": text,
            "envelope": f'{{"to": ["{to}"], "from": "{FAMILY_EMAIL}"}}',
            "charsets": '{"text": "utf-8", "subject": "utf-8"}',
        },
        headers=headers,
    )


def test_an_email_reply_asking_to_stop_revokes_every_channel(
    client, practice, twilio, settings, django_capture_on_commit_callbacks
):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret"}
    family(practice)
    later = claimed_touch(practice)

    with django_capture_on_commit_callbacks() as callbacks:
        response = _inbound_email(
            client, text="Unsubscribe me please.\n\nOn Tue, Harbor Dental wrote:\n> Hi Pat"
        )
        _inbound_email(client, text="Unsubscribe me please.")  # the same email, retried

    assert response.status_code == 200
    assert everything_blocked(practice)
    assert len(confirmations_sent(callbacks, twilio)) == 1
    assert send_one(later.pk, NOON) == "skipped"


def test_an_email_reply_without_the_secret_is_refused(client, practice, twilio, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret"}
    family(practice)

    response = _inbound_email(client, text="unsubscribe", auth="wrong:secret")

    assert response.status_code in (400, 403)
    assert not AddressBlock.objects.exists()


def test_a_post_that_is_not_an_email_gets_a_clear_refusal(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret"}
    auth = "Basic " + base64.b64encode(b"hook:secret").decode()

    response = client.post(
        reverse("hooks:email_replies"), {"x": "1"}, headers={"Authorization": auth}
    )

    assert response.status_code == 400


def _transcript(client, text, *, call_sid="CA" + "7" * 32):
    params = {
        "TranscriptionSid": "TR" + "1" * 32,
        "TranscriptionText": text,
        "TranscriptionStatus": "completed",
        "CallSid": call_sid,
        "From": SHARED,
        "To": "+12125550199",
    }
    return twilio_post(client, reverse("hooks:voice_transcript"), params)


def test_a_voicemail_transcript_asking_to_stop_revokes_every_channel(
    client, practice, twilio, django_capture_on_commit_callbacks
):
    family(practice)
    voicemail = claimed_touch(practice, channel=Channel.VOICEMAIL)

    with django_capture_on_commit_callbacks() as callbacks:
        response = _transcript(client, "Hi, this is Pat. Please stop calling me. Thanks.")
        _transcript(client, "Hi, this is Pat. Please stop calling me. Thanks.")  # retried

    assert response.status_code == 204
    assert everything_blocked(practice)
    assert len(confirmations_sent(callbacks, twilio)) == 1
    assert send_one(voicemail.pk, NOON) == "skipped"
    assert Message.objects.filter(channel="voicemail", body__contains="stop calling").count() == 1


def test_an_unsigned_transcript_changes_nothing(client, practice, twilio):
    family(practice)
    response = client.post(reverse("hooks:voice_transcript"), {"TranscriptionText": "stop"})
    assert response.status_code == 403
    assert not AddressBlock.objects.exists()
