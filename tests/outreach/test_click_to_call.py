"""Click-to-call: the coordinator's phone rings, press 1, the patient is dialled with the
practice's caller id; no patient number in any URL."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from outreach.calls import call_start
from reactivate.models import Role
from tests.factories import ContactFactory
from tests.outreach.helpers import sender_for, twilio_post

pytestmark = pytest.mark.django_db
PATIENT = "+12125550123"


@pytest.fixture
def coordinator(member):
    user = member(Role.COORDINATOR).user
    user.phone = "+12125550177"
    user.save()
    return user


@pytest.fixture
def call(practice, coordinator, twilio_settings, fake_twilio):
    twilio_settings.MESSAGING_BACKEND = "twilio"
    sender_for(practice)
    contact = ContactFactory(practice=practice, phone=PATIENT)
    return call_start(contact=contact, user=coordinator)


def hook(client, path, params):
    return twilio_post(client, path, params)


def test_the_coordinators_phone_rings_first(call, fake_twilio):
    [placed] = fake_twilio.calls
    assert placed["to"] == "+12125550177" and placed["from"] == "+12125550199"
    assert PATIENT not in placed["url"]


def test_pressing_1_dials_the_patient_with_the_practice_caller_id(client, call):
    path = reverse("hooks:call_connect", kwargs={"message_id": call.pk})
    answer = hook(client, path, {"CallSid": call.provider_id, "Digits": "1"}).content.decode()
    dial = answer[answer.index("<Dial ") : answer.index("</Dial>")]
    assert 'callerId="+12125550199"' in dial and f"<Number>{PATIENT}</Number>" in dial


def test_another_key_hangs_up(client, call):
    path = reverse("hooks:call_connect", kwargs={"message_id": call.pk})
    answer = hook(client, path, {"CallSid": call.provider_id, "Digits": "2"}).content.decode()
    assert "<Dial" not in answer


def test_the_patient_legs_result_is_recorded(client, call):
    path = reverse("hooks:call_result", kwargs={"message_id": call.pk})
    hook(client, path, {"CallSid": call.provider_id, "DialCallStatus": "no-answer"})
    call.refresh_from_db()
    assert call.status == "patient:no-answer"


def test_a_patient_who_opted_out_of_calls_is_not_called(practice, coordinator, twilio_settings):
    sender_for(practice)
    contact = ContactFactory(practice=practice, phone=PATIENT, call_opt_out_at="2026-01-01T00:00Z")
    with pytest.raises(ValidationError, match="cannot be called"):
        call_start(contact=contact, user=coordinator)
