"""Email events from SendGrid, through our django-anymail event webhook.

An event names the email by anymail's message id (a custom argument SendGrid echoes back),
which we keep as the message's provider id: that is how it finds the practice that sent it.
"""

import base64
import json

import pytest
from django.urls import reverse

from campaigns.models import Channel
from outreach.models import Direction, Message
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

URL = "/hooks/anymail/sendgrid/tracking/"
SENT_ID = "7c1f3b52-8a4e-4a3b-9d7e-2f6f0c5d1e90"  # anymail's id of an email we sent
ADDRESS = "pat@example.com"


@pytest.fixture(autouse=True)
def secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret"}


def post(client, events, *, auth="hook:secret"):
    headers = {"Authorization": f"Basic {base64.b64encode(auth.encode()).decode()}"} if auth else {}
    return client.post(URL, json.dumps(events), content_type="application/json", headers=headers)


def event(kind, *, message_id=SENT_ID, email=ADDRESS):
    return {
        "email": email,
        "event": kind,
        "timestamp": 1795000000,
        "sg_event_id": f"{kind}-{message_id}",
        "anymail_id": message_id,
    }


@pytest.fixture
def patient(practice):
    return ContactFactory(practice=practice, email=ADDRESS, email_valid=True)


@pytest.fixture
def sent(patient):
    return Message.objects.create(
        practice=patient.practice,
        contact=patient,
        direction=Direction.OUT,
        channel=Channel.EMAIL,
        body="Is this still on your list?",
        provider_id=SENT_ID,
        status="sent",
    )


def test_the_webhook_keeps_its_address():
    assert reverse("hooks:email_events") == URL


def test_an_unsubscribe_event_opts_out_of_email(client, patient, sent):
    assert post(client, [event("unsubscribe")]).status_code == 200

    patient.refresh_from_db()
    assert patient.email_opt_out_at is not None and patient.sms_opt_out_at is None
    assert patient.email_opt_out_via == "email: unsubscribed"


def test_a_spam_report_opts_everyone_of_the_practice_at_the_address_out(
    client, practice, patient, sent
):
    spouse = ContactFactory(practice=practice, email=ADDRESS)

    post(client, [event("spamreport")])

    spouse.refresh_from_db()
    assert spouse.email_opt_out_via == "email: spam report"


def test_a_bounce_marks_the_address_invalid(client, patient, sent):
    post(client, [event("bounce")])

    patient.refresh_from_db()
    assert patient.email_valid is False


def test_an_event_never_reaches_another_practice_at_the_same_address(
    client, other_practice, patient, sent
):
    elsewhere = ContactFactory(practice=other_practice, email=ADDRESS, email_valid=True)

    post(client, [event("unsubscribe"), event("bounce")])

    elsewhere.refresh_from_db()
    assert (elsewhere.email_opt_out_at, elsewhere.email_valid) == (None, True)


def test_an_event_for_an_email_we_did_not_send_changes_nothing(client, patient, sent):
    response = post(client, [event("unsubscribe", message_id="not-ours")])

    assert response.status_code == 200  # acknowledged, so the provider does not retry it
    patient.refresh_from_db()
    assert patient.email_opt_out_at is None


def test_an_event_without_a_message_id_is_not_matched_by_address(client, patient):
    unnamed = {k: v for k, v in event("unsubscribe").items() if k != "anymail_id"}

    post(client, [unnamed])

    patient.refresh_from_db()
    assert patient.email_opt_out_at is None


def test_an_unauthenticated_event_is_refused(client, patient, sent):
    response = post(client, [event("unsubscribe")], auth=None)

    assert response.status_code == 400
    patient.refresh_from_db()
    assert patient.email_opt_out_at is None


# anymail warns that a webhook without a secret is open; ours refuses it (what this shows).
@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailInsecureWebhookWarning")
def test_without_a_secret_the_webhook_refuses_every_event(client, settings, patient, sent):
    settings.ANYMAIL = {"WEBHOOK_SECRET": None}

    for auth in (None, "hook:secret", ":"):
        assert post(client, [event("unsubscribe")], auth=auth).status_code == 400
    patient.refresh_from_db()
    assert patient.email_opt_out_at is None


@pytest.mark.parametrize("provider", ["postmark", "mailgun", "mailjet", "brevo", "resend"])
def test_other_providers_webhooks_are_not_open(client, provider):
    url = f"/hooks/anymail/{provider}/tracking/"

    assert client.post(url, "[]", content_type="application/json").status_code == 404
