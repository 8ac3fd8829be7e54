"""Opt-outs belong to the phone number and the email address (DESIGN §4): family members
share them. STOPs arrive as signed Twilio webhooks; sends go through the real SDK to the
fake Twilio, whose log is what the patients' phones got."""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.models import Channel, State, TouchStatus
from outreach.calls import call_start
from outreach.conversation import reply_send
from outreach.links import unsubscribe_token
from outreach.models import Message
from reactivate.models import Role
from tests.factories import ContactFactory
from tests.fake_twilio.signing import inbound_sms_payload
from tests.outreach.helpers import NOON, SERVICE_SID, claimed_touch, send_one, twilio_post

pytestmark = pytest.mark.django_db
SHARED = "+12125550123"
PRACTICE_NUMBER = "+12125550199"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOON, tick=True):
        yield


def text(client, body, *, from_=SHARED, **kwargs):
    params = inbound_sms_payload(
        from_=from_, to=PRACTICE_NUMBER, body=body, messaging_service_sid=SERVICE_SID, **kwargs
    )
    return twilio_post(client, reverse("hooks:sms_inbound"), params)


def touch_at(practice, phone=SHARED, **fields):
    return claimed_touch(practice, phone=phone, **fields)


def test_a_stop_from_a_shared_phone_opts_out_every_patient_at_that_number(client, practice, twilio):
    spouse, partner = touch_at(practice), touch_at(practice)

    text(client, "STOP", opt_out_type="STOP")

    for touch in (spouse, partner):
        contact = touch.enrollment.contact
        contact.refresh_from_db()
        touch.enrollment.refresh_from_db()
        assert contact.sms_opt_out_at is not None
        assert touch.enrollment.state == State.OPTED_OUT


def test_the_other_patient_at_a_stopped_number_gets_no_more_texts(client, practice, twilio):
    texter = touch_at(practice, status=TouchStatus.PLANNED)
    family = touch_at(practice)

    text(client, "STOP", opt_out_type="STOP")

    assert send_one(family.pk, NOON) == "skipped"
    assert twilio.messages_to(SHARED) == []
    assert texter.enrollment.contact_id != family.enrollment.contact_id


def test_a_patient_added_later_with_an_opted_out_number_gets_no_text(client, practice, twilio):
    touch_at(practice, status=TouchStatus.PLANNED)
    text(client, "STOP", opt_out_type="STOP")

    later = touch_at(practice)  # imported next week, same family phone

    assert send_one(later.pk, NOON) == "skipped"
    later.refresh_from_db()
    assert later.reason.startswith("skipped: this number opted out of texts")
    assert twilio.messages_to(SHARED) == []


def test_a_patient_added_later_with_an_opted_out_number_gets_no_voicemail(client, practice, twilio):
    touch_at(practice, status=TouchStatus.PLANNED)
    text(client, "Stop calling me")

    later = touch_at(practice, channel=Channel.VOICEMAIL)

    assert send_one(later.pk, NOON) == "skipped"
    assert twilio.calls_to(SHARED) == []


def test_the_stop_confirmation_goes_once(client, practice, twilio):
    touch_at(practice, status=TouchStatus.PLANNED)
    touch_at(practice, status=TouchStatus.PLANNED)

    answers = [
        text(client, "Please stop texting me").content.decode(),
        text(client, "I said stop texting me").content.decode(),
    ]

    assert sum("unsubscribed" in answer for answer in answers) == 1


def test_start_turns_texts_back_on_for_the_number(client, practice, twilio):
    touch_at(practice, status=TouchStatus.PLANNED)
    text(client, "STOP", opt_out_type="STOP")
    text(client, "START", opt_out_type="START")

    later = touch_at(practice)

    assert send_one(later.pk, NOON) == "sent"
    assert len(twilio.messages_to(SHARED)) == 1


def test_a_stop_leaves_other_numbers_alone(client, practice, twilio):
    touch_at(practice, status=TouchStatus.PLANNED)
    neighbour = touch_at(practice, phone="+12125550177")

    text(client, "STOP", opt_out_type="STOP")

    assert send_one(neighbour.pk, NOON) == "sent"


def test_a_stop_to_one_practice_leaves_another_practices_patient_alone(
    client, practice, other_practice, twilio
):
    touch_at(practice, status=TouchStatus.PLANNED)
    elsewhere = touch_at(other_practice)
    other_sender = elsewhere.practice.sender
    other_sender.messaging_service_sid, other_sender.sms_number = "MG" + "2" * 32, "+12125550188"
    other_sender.save()

    text(client, "STOP", opt_out_type="STOP")

    assert send_one(elsewhere.pk, NOON) == "sent"


def test_an_email_unsubscribe_covers_everyone_at_that_address(client, practice, twilio):
    first = touch_at(
        practice, email="family@example.com", email_valid=True, status=TouchStatus.PLANNED
    )
    path = reverse(
        "hooks:email_unsubscribe",
        kwargs={"token": unsubscribe_token(first.enrollment.contact)},
    )
    client.post(path, {"List-Unsubscribe": "One-Click"})

    later = touch_at(
        practice,
        phone="+12125550177",
        email="family@example.com",
        email_valid=True,
        channel=Channel.EMAIL,
    )

    assert send_one(later.pk, NOON) == "skipped"
    later.refresh_from_db()
    assert later.reason.startswith("skipped: this email address opted out of email")
    assert not Message.objects.filter(touch=later).exists()


def test_a_coordinator_cannot_call_a_later_patient_at_a_number_that_asked_not_to_be_called(
    client, practice, member, twilio
):
    touch_at(practice, status=TouchStatus.PLANNED)
    text(client, "Stop calling me")
    later = ContactFactory(practice=practice, phone=SHARED)
    coordinator = member(Role.COORDINATOR).user
    coordinator.phone = "+12125550166"
    coordinator.save()

    with pytest.raises(ValidationError):
        call_start(contact=later, user=coordinator)
    assert twilio.calls == []


def test_a_carriers_unsubscribed_error_stops_texts_to_everyone_at_the_number(practice, twilio):
    unsubscribed = "+15005550004"  # Twilio's test number that answers 21610
    first = touch_at(practice, phone=unsubscribed)
    family = touch_at(practice, phone=unsubscribed)

    assert send_one(first.pk, NOON) == "failed"
    assert send_one(family.pk, NOON) == "skipped"
    family.refresh_from_db()
    assert "opted out of texts" in family.reason


def test_a_coordinators_reply_to_a_later_patient_at_a_stopped_number_is_refused(
    client, practice, member, twilio
):
    touch_at(practice, status=TouchStatus.PLANNED)
    text(client, "STOP", opt_out_type="STOP")
    later = touch_at(practice).enrollment.contact

    with pytest.raises(ValidationError):
        reply_send(later, "Hi, this is Harbor Dental", user=member(Role.COORDINATOR).user)
    assert twilio.messages_to(SHARED) == []


def test_a_patient_added_later_at_a_stopped_number_does_not_read_texts_allowed(
    client, practice, twilio, client_for, member
):
    touch_at(practice, status=TouchStatus.PLANNED)
    text(client, "STOP", opt_out_type="STOP")
    later = ContactFactory(practice=practice, phone=SHARED, first_name="Sam")
    assert later.sms_opt_out_at is None  # the patient's own record says nothing

    page = client_for(member(Role.COORDINATOR)).get(
        reverse("contacts:detail", kwargs={"practice_slug": practice.slug, "contact_id": later.pk})
    )

    html = page.content.decode()
    assert '<dt>Texts</dt><dd class="warn">Opted out' in html
    assert "(this number)" in html
