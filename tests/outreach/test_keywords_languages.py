"""STOP, START and HELP in Spanish (issue 17.6): through the signed inbound webhook, as
the patients' phones send them; answers in the patient's language."""

import pytest
import time_machine

from campaigns.models import Channel, State, TouchStatus
from outreach.inbound import intent_of
from outreach.models import Attention, Message
from tests.outreach.helpers import NOON, claimed_touch, send_one
from tests.outreach.test_opt_outs import SHARED, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOON, tick=True):
        yield


def test_alto_opts_out_everyone_at_the_number_with_one_spanish_confirmation(
    client, practice, twilio
):
    mother = claimed_touch(practice, status=TouchStatus.PLANNED, preferred_language="es")
    son = claimed_touch(practice, status=TouchStatus.PLANNED)

    answers = [text(client, "ALTO").content.decode(), text(client, "Alto.").content.decode()]

    assert "Ya no recibirá mensajes" in answers[0]
    assert "<Message>" not in answers[1]  # once per number, not per repeat
    for touch in (mother, son):
        contact = touch.enrollment.contact
        contact.refresh_from_db()
        touch.enrollment.refresh_from_db()
        assert contact.sms_opt_out_at and contact.call_opt_out_at and contact.email_opt_out_at
        assert touch.enrollment.state == State.OPTED_OUT


def test_a_spanish_stop_between_claim_and_send_stops_that_send(client, practice, twilio):
    claimed = claimed_touch(practice)  # claimed by the dispatcher, not yet sent

    text(client, "No más")

    assert send_one(claimed.pk, NOON) == "skipped"
    assert twilio.messages_to(SHARED) == []


def test_a_spanish_stop_also_stops_the_calls_and_voicemail(client, practice, twilio):
    claimed_touch(practice, status=TouchStatus.PLANNED)
    voicemail = claimed_touch(practice, channel=Channel.VOICEMAIL)

    text(client, "PARAR")

    assert send_one(voicemail.pk, NOON) == "skipped"
    assert twilio.calls_to(SHARED) == []


def test_comenzar_turns_texts_back_on_and_answers_in_spanish(client, practice, twilio):
    claimed_touch(practice, status=TouchStatus.PLANNED, preferred_language="es")
    text(client, "CANCELAR")

    answer = text(client, "Comenzar").content.decode()

    later = claimed_touch(practice)
    assert send_one(later.pk, NOON) == "sent"
    assert "Volverá a recibir mensajes" in answer


def test_ayuda_answers_with_the_practices_help_text_in_spanish(client, practice, twilio):
    practice.help_text = "Harbor Dental, 555-0100."
    practice.save()
    claimed_touch(practice, status=TouchStatus.PLANNED, preferred_language="Español")

    answer = text(client, "AYUDA").content.decode()

    assert "Harbor Dental, 555-0100. Responda ALTO" in answer


def test_a_plain_spanish_request_stops_at_once(client, practice, twilio):
    touch = claimed_touch(practice, status=TouchStatus.PLANNED)

    answer = text(client, "Por favor no me escriban más").content.decode()

    touch.enrollment.contact.refresh_from_db()
    assert touch.enrollment.contact.sms_opt_out_at is not None
    assert "Ya no recibirá" in answer  # written in Spanish, answered in Spanish


def test_a_plain_english_request_from_a_spanish_speaker_is_answered_in_spanish(
    client, practice, twilio
):
    claimed_touch(practice, status=TouchStatus.PLANNED, preferred_language="es-MX")

    answer = text(client, "stop texting me").content.decode()

    assert "Ya no recibirá" in answer


def test_unclear_spanish_words_go_to_the_unclear_stop_review(client, practice, twilio):
    touch = claimed_touch(practice, status=TouchStatus.PLANNED)

    text(client, "no me interesa, quién habla?")

    assert Message.objects.get().attention == Attention.UNCLEAR_OPT_OUT
    touch.enrollment.contact.refresh_from_db()
    assert touch.enrollment.contact.sms_opt_out_at is None


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("ALTO", "stop"),
        ("¡Basta!", "stop"),
        ("detener", "stop"),
        ("dar de baja", "stop"),
        ("dejen de escribirme", "stop"),
        ("Sí", "reply"),  # an answer, never a re-subscription
        ("Si, el martes", "reply"),
        ("reanudar", "start"),
        ("Ayuda", "help"),
        ("¿Para qué es esto?", "reply"),
    ],
)
def test_spanish_words_are_read_as_a_patient_means_them(body, kind):
    assert intent_of(body).kind == kind
