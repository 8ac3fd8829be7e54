"""Consent on record (issue 17.5): what the patient agreed to and each revocation, kept
append-only; a marketing template needs written consent at send time."""

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.urls import reverse

from campaigns.models import Purpose, TouchStatus
from contacts.consent import consent_grant, consent_record
from contacts.models import ConsentBasis, ConsentEvent, ConsentSource
from outreach.consent_gate import HELD, consent_basis
from reactivate.models import Role
from tests.outreach.helpers import NOON, claimed_touch, send_one
from tests.outreach.test_opt_outs import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def twilio(twilio_settings, fake_twilio):
    twilio_settings.MESSAGING_BACKEND = "twilio"
    twilio_settings.OUTREACH_SEND_RATE = 0
    return fake_twilio


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOON, tick=True):
        yield


def marketing(touch):
    touch.step.templates.update(purpose=Purpose.MARKETING)
    return touch


def test_a_marketing_text_to_a_patient_without_written_consent_is_held(practice, twilio):
    touch = marketing(claimed_touch(practice))

    assert send_one(touch.pk, NOON) == "held"
    touch.refresh_from_db()
    assert touch.reason == HELD
    assert twilio.messages_to(touch.enrollment.contact.phone) == []


def test_a_marketing_text_with_written_consent_on_record_is_sent(practice, twilio):
    touch = marketing(claimed_touch(practice))
    consent_grant(
        touch.enrollment.contact, basis=ConsentBasis.WRITTEN, source=ConsentSource.COORDINATOR
    )

    assert send_one(touch.pk, NOON) == "sent"
    assert consent_basis(touch) == ConsentBasis.WRITTEN


def test_an_informational_text_needs_no_written_consent(practice, twilio):
    touch = claimed_touch(practice)

    assert send_one(touch.pk, NOON) == "sent"


def test_the_record_shows_basis_source_and_each_revocation(client, practice, twilio):
    touch = claimed_touch(practice, status=TouchStatus.PLANNED)
    contact = touch.enrollment.contact
    consent_grant(
        contact, basis=ConsentBasis.WRITTEN, source=ConsentSource.COORDINATOR, words="intake"
    )

    text(client, "BASTA")

    lines = consent_record(contact)
    assert [(line.kind, line.basis, line.source) for line in lines] == [
        ("Consent given", "Written consent", "Coordinator"),
        ("Consent revoked", "", "The patient"),
    ]
    assert (lines[1].channel, lines[1].words) == ("sms", "BASTA")


def test_the_record_cannot_be_rewritten(practice):
    touch = claimed_touch(practice)
    event = consent_grant(
        touch.enrollment.contact, basis=ConsentBasis.WRITTEN, source=ConsentSource.COORDINATOR
    )

    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentEvent.objects.raw(  # the database refuses too
            "UPDATE contacts_consentevent SET words = 'x' RETURNING id"
        )[0]


def test_a_coordinator_records_written_consent_on_the_contact_page(
    client_for, member, practice, twilio
):
    touch = marketing(claimed_touch(practice))
    page = client_for(member(Role.COORDINATOR))
    contact_id = touch.enrollment.contact_id
    kwargs = {"practice_slug": practice.slug, "contact_id": contact_id}

    page.post(reverse("outreach:consent_written", kwargs=kwargs), {"note": "signed form"})
    html = page.get(reverse("contacts:detail", kwargs=kwargs)).content.decode()

    assert "Written consent" in html and "signed form" in html
    assert send_one(touch.pk, NOON) == "sent"
