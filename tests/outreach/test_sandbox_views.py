"""The sandbox page: what would have been sent, and replying as the patient through the
real inbound webhook over HTTP."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from campaigns.models import State
from outreach.models import Message
from outreach.sandbox import sandbox_reply
from reactivate.models import Role
from tests.factories import ContactFactory
from tests.outreach.helpers import NOON, claimed_touch, send_one, twilio_post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(settings, live_server):
    settings.MESSAGING_BACKEND = "sandbox"
    settings.TWILIO_AUTH_TOKEN = ""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.OUTREACH_SEND_RATE = 0


def test_a_sandbox_reply_runs_the_real_inbound_path(sandbox, client_for, member, practice):
    touch = claimed_touch(practice)
    send_one(touch.pk, NOON)
    client = client_for(member(Role.COORDINATOR))
    url = reverse("outreach:sandbox", kwargs={"practice_slug": practice.slug})
    page = client.get(url)
    assert touch.enrollment.contact.first_name in page.content.decode()

    client.post(url, {"contact": touch.enrollment.contact.pk, "body": "Yes please"})

    reply = Message.objects.get(direction="in")
    assert reply.body == "Yes please" and reply.contact == touch.enrollment.contact
    touch.enrollment.refresh_from_db()
    assert touch.enrollment.state == State.PAUSED


def test_a_sandbox_signature_is_refused_once_twilio_is_configured(settings, client, practice):
    from outreach.sandbox import sandbox_token
    from tests.fake_twilio.signing import inbound_sms_payload

    settings.MESSAGING_BACKEND = "twilio"
    settings.TWILIO_AUTH_TOKEN = "real-token"
    params = inbound_sms_payload(from_="+12125550123", to="+12125550199", body="hi")
    response = twilio_post(client, reverse("hooks:sms_inbound"), params, sandbox_token())
    assert response.status_code == 403


@pytest.fixture
def twilio_configured(settings):
    settings.MESSAGING_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "real-token"


def test_with_twilio_configured_the_sandbox_page_is_not_found(
    twilio_configured, client_for, member, practice
):
    client = client_for(member(Role.COORDINATOR))
    response = client.get(reverse("outreach:sandbox", kwargs={"practice_slug": practice.slug}))
    assert response.status_code == 404


def test_with_twilio_configured_the_sandbox_cannot_forge_a_patients_start(
    twilio_configured, client_for, member, practice
):
    stopped = ContactFactory(practice=practice, sms_opt_out_at=NOON, sms_opt_out_via="text: STOP")
    client = client_for(member(Role.ADMIN))
    url = reverse("outreach:sandbox", kwargs={"practice_slug": practice.slug})

    response = client.post(url, {"contact": stopped.pk, "body": "START"})

    assert response.status_code == 404
    assert not Message.objects.filter(direction="in").exists()
    stopped.refresh_from_db()
    assert stopped.sms_opt_out_at == NOON


def test_with_twilio_configured_no_code_path_can_post_a_sandbox_reply(twilio_configured, practice):
    contact = ContactFactory(practice=practice)
    with pytest.raises(PermissionDenied):
        sandbox_reply(contact, "START")
    assert not Message.objects.exists()


def test_the_sandbox_shows_a_messages_status_in_words(sandbox, client_for, member, practice):
    touch = claimed_touch(practice)
    send_one(touch.pk, NOON)
    Message.objects.filter(touch=touch).update(status="undelivered")
    client = client_for(member(Role.COORDINATOR))
    page = client.get(reverse("outreach:sandbox", kwargs={"practice_slug": practice.slug}))
    assert "<td>Not delivered</td>" in page.content.decode()
