"""Email events from SendGrid, through django-anymail's tracking webhook."""

import base64
import json

import pytest
from django.urls import reverse

from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret"}
    auth = base64.b64encode(b"hook:secret").decode()

    def post(events):
        return client.post(
            reverse("hooks:anymail:sendgrid_tracking_webhook"),
            json.dumps(events),
            content_type="application/json",
            headers={"Authorization": f"Basic {auth}"},
        )

    return post


def event(kind, email="pat@example.com"):
    return {"email": email, "event": kind, "timestamp": 1795000000, "sg_event_id": kind}


def test_an_unsubscribe_event_opts_out_of_email(hook, practice):
    contact = ContactFactory(practice=practice, email="pat@example.com", email_valid=True)
    assert hook([event("unsubscribe")]).status_code == 200
    contact.refresh_from_db()
    assert contact.email_opt_out_at is not None and contact.sms_opt_out_at is None


def test_a_bounce_marks_the_address_invalid(hook, practice):
    contact = ContactFactory(practice=practice, email="pat@example.com", email_valid=True)
    hook([event("bounce")])
    contact.refresh_from_db()
    assert contact.email_valid is False


def test_an_unauthenticated_event_is_refused(client, practice, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret"}
    contact = ContactFactory(practice=practice, email="pat@example.com", email_valid=True)
    response = client.post(
        reverse("hooks:anymail:sendgrid_tracking_webhook"),
        json.dumps([event("unsubscribe")]),
        content_type="application/json",
    )
    assert response.status_code in (400, 401, 403)
    contact.refresh_from_db()
    assert contact.email_opt_out_at is None
