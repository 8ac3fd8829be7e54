"""A coordinator's reply is never thrown away (issue 15.2). Typed before the hours texts
may go (the practice's window within 8:00-21:00 the patient's time), it is saved as a
planned message and beat's sweeper sends it when they open, through the same checks;
refused outright, its words stay in the box. Sends go through the real SDK to the fake
Twilio, whose log is what the patient's phone got."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from campaigns.models import State
from outreach.models import AddressBlock, Message
from outreach.tasks import planned_replies_send
from reactivate.models import Role
from tests.factories import ContactFactory, EnrollmentFactory
from tests.fake_twilio.signing import inbound_sms_payload
from tests.outreach.helpers import SERVICE_SID, sender_for, twilio_post

pytestmark = pytest.mark.django_db
PATIENT = "+12125550123"
# Monday 08:17 in New York; the practice's window opens at 09:00 (14:00 UTC).
EARLY = dt.datetime(2026, 12, 7, 13, 17, tzinfo=dt.UTC)
OPENING = dt.datetime(2026, 12, 7, 14, 0, tzinfo=dt.UTC)
SAVED = "Saved. It goes out at 9:00 AM, the patient's time — texts are not sent before then."
WORDS = "Yes, Thursday at 3 works. Shall I book it?"


@pytest.fixture
def me(member):
    return member(Role.COORDINATOR)


@pytest.fixture
def enrollment(practice, me):
    sender_for(practice)
    contact = ContactFactory(practice=practice, phone=PATIENT, time_zone="America/New_York")
    return EnrollmentFactory(
        campaign__practice=practice,
        campaign__status="running",
        contact=contact,
        coordinator=me.user,
        state=State.PAUSED,
    )


def post(client, name, enrollment, data, **kwargs):
    path = reverse(
        f"outreach:{name}",
        kwargs={
            "practice_slug": enrollment.practice.slug,
            "enrollment_id": enrollment.pk,
            **kwargs,
        },
    )
    return client.post(path, data, headers={"HX-Request": "true"}).content.decode()


def reply_early(client, enrollment, body=WORDS) -> str:
    with time_machine.travel(EARLY, tick=False):
        return post(client, "reply", enrollment, {"body": body})


def sweep_at(moment):
    """What beat's every-minute sweep does at ``moment``."""
    with time_machine.travel(moment, tick=False):
        return planned_replies_send()


def patient_texts(client, body, **kwargs):
    params = inbound_sms_payload(
        from_=PATIENT, to="+12125550199", body=body, messaging_service_sid=SERVICE_SID, **kwargs
    )
    twilio_post(client, reverse("hooks:sms_inbound"), params)


def texts_with(twilio, words):
    return [m for m in twilio.messages_to(PATIENT) if m["body"] == words]


def test_a_reply_typed_before_the_window_opens_is_kept_and_sent_at_the_opening(
    client_for, me, enrollment, twilio
):
    panel = reply_early(client_for(me), enrollment)

    assert escape(SAVED) in panel
    assert sweep_at(OPENING - dt.timedelta(minutes=1)) == {}
    assert twilio.messages_to(PATIENT) == []
    assert sweep_at(OPENING) == {"sent": 1}
    [sent] = texts_with(twilio, WORDS)
    assert Message.objects.get(kind="manual").provider_id == sent["sid"]


def test_the_thread_shows_a_planned_reply_as_planned(client_for, me, enrollment, twilio):
    panel = reply_early(client_for(me), enrollment)

    thread = panel[panel.index('class="thread"') :]
    assert WORDS in thread and "Planned:</strong> goes out at 9:00 AM" in thread


def test_a_planned_reply_is_not_sent_after_the_patient_texts_STOP(
    client_for, me, enrollment, twilio
):
    client = client_for(me)
    reply_early(client, enrollment)
    with time_machine.travel(EARLY + dt.timedelta(minutes=5), tick=False):
        patient_texts(client, "STOP", opt_out_type="STOP")

    assert sweep_at(OPENING) == {"not sent": 1}
    assert texts_with(twilio, WORDS) == []
    with time_machine.travel(OPENING, tick=False):
        panel = (
            client_for(me)
            .get(  # a new session: the first one went idle meanwhile
                reverse(
                    "outreach:panel",
                    kwargs={
                        "practice_slug": enrollment.practice.slug,
                        "enrollment_id": enrollment.pk,
                    },
                ),
                headers={"HX-Request": "true"},
            )
            .content.decode()
        )
    assert "Not sent: the patient&#x27;s number opted out of texts before it went out." in panel


def test_a_planned_reply_edited_before_it_goes_goes_out_with_the_new_words(
    client_for, me, enrollment, twilio
):
    client = client_for(me)
    reply_early(client, enrollment)
    planned = Message.objects.get(status="planned")
    edited = "Yes, Thursday at 4 works instead. Shall I book it?"

    with time_machine.travel(EARLY, tick=False):
        post(client, "reply_planned", enrollment, {"body": edited}, message_id=planned.pk)
    sweep_at(OPENING)

    assert texts_with(twilio, edited) and not texts_with(twilio, WORDS)


def test_a_canceled_planned_reply_is_not_sent_and_its_words_return_to_the_box(
    client_for, me, enrollment, twilio
):
    client = client_for(me)
    reply_early(client, enrollment)
    planned = Message.objects.get(status="planned")

    with time_machine.travel(EARLY, tick=False):
        panel = post(
            client, "reply_planned", enrollment, {"action": "cancel"}, message_id=planned.pk
        )
    sweep_at(OPENING)

    assert twilio.messages_to(PATIENT) == []
    box = panel[panel.index(f'id="reply-{enrollment.pk}"') :]
    assert box[: box.index("</textarea>")].endswith(WORDS)


@pytest.mark.parametrize(
    ("words", "number_stopped", "why"),
    [
        ("Hi {first_name}, see you Thursday?", False, "without {placeholders}"),
        (WORDS, True, "cannot be texted"),
    ],
    ids=["a placeholder", "a number that opted out"],
)
def test_a_refused_reply_keeps_the_typed_words_in_the_box(
    client_for, me, enrollment, twilio, words, number_stopped, why
):
    if number_stopped:  # a family member at the number texted STOP
        AddressBlock.objects.create(
            practice=enrollment.practice, address=PATIENT, channel="sms", at=EARLY
        )
    with time_machine.travel(OPENING, tick=False):
        panel = post(client_for(me), "reply", enrollment, {"body": words})

    assert why in panel
    box = panel[panel.index(f'id="reply-{enrollment.pk}"') :]
    assert box[: box.index("</textarea>")].endswith(words)
    assert not Message.objects.filter(direction="out").exists()


def test_beat_sends_the_planned_replies_every_minute():
    from reactivate.celery import app

    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert entries["outreach.tasks.planned_replies_send"]["schedule"] == 60.0
    assert planned_replies_send.name in app.tasks
