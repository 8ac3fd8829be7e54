"""The dispatcher and a send, in process, through the real SDK and the fake Twilio.

The fake's log is the ground truth of what Twilio accepted.
"""

import datetime as dt

import pytest
import redis
import time_machine
from django.core import mail

from campaigns.models import Channel, OutcomeKind, Touch, TouchStatus
from outreach.dispatch import touches_claim, touches_reap
from outreach.models import Direction, Message, MessageStatus
from outreach.tasks import send_touches, touches_dispatch_due
from outreach.twilio_client import twilio_client
from tests.outreach.helpers import NOON, SERVICE_SID, claimed_touch, send_one

pytestmark = pytest.mark.django_db

LATER = NOON + dt.timedelta(minutes=30)


@pytest.fixture(autouse=True)
def _clock():
    # The fake Twilio stamps records with the clock, as Twilio would.
    with time_machine.travel(NOON, tick=True):
        yield


def status(touch):
    touch.refresh_from_db()
    return touch.status


def test_a_claimed_text_is_sent_once_with_a_status_callback(practice, twilio):
    touch = claimed_touch(practice)

    assert send_one(touch.pk, NOON) == "sent"
    assert send_one(touch.pk, NOON) == "not claimed"

    [sent] = twilio.messages_to("+12125550123")
    assert sent["body"].startswith("Hi Pat")
    assert sent["status_callback"].endswith("/hooks/twilio/sms/status/")
    message = Message.objects.get(touch=touch)
    assert (status(touch), touch.provider_id, message.provider_id) == (
        TouchStatus.SENT,
        sent["sid"],
        sent["sid"],
    )
    assert touch.enrollment.outcomes.get().kind == OutcomeKind.CONTACTED


def test_claiming_takes_due_touches_of_running_campaigns_once(
    practice, twilio, django_capture_on_commit_callbacks
):
    due = claimed_touch(practice, status=TouchStatus.PLANNED)
    claimed_touch(practice, status=TouchStatus.PLANNED, due_at=NOON + dt.timedelta(hours=1))

    with django_capture_on_commit_callbacks() as queued:
        assert touches_dispatch_due(NOON) == 1  # the claim, its send task queued on commit
    assert touches_claim(NOON) == []
    assert status(due) == TouchStatus.CLAIMED and len(queued) == 1


def test_call_tasks_are_left_for_the_coordinator(practice, twilio):
    claimed_touch(practice, channel=Channel.CALL, status=TouchStatus.PLANNED)
    assert touches_claim(NOON) == []


def test_429_then_success_sends_once(practice, twilio):
    touch = claimed_touch(practice)
    twilio.fail_next(429)

    assert send_one(touch.pk, NOON) == "retry"
    touch.refresh_from_db()
    assert touch.status == TouchStatus.PLANNED and touch.due_at == NOON + dt.timedelta(minutes=1)
    Touch.objects.filter(pk=touch.pk).update(status=TouchStatus.CLAIMED)
    assert send_one(touch.pk, NOON + dt.timedelta(minutes=1)) == "sent"
    assert len(twilio.messages) == 1


def test_a_500_after_twilio_accepted_is_reconciled_not_resent(practice, twilio):
    touch = claimed_touch(practice)
    twilio.fail_after_accept(500)

    assert send_one(touch.pk, NOON) == "unknown"
    assert status(touch) == TouchStatus.SENDING

    touches_reap(LATER)

    [accepted] = twilio.messages
    touch.refresh_from_db()
    assert (touch.status, touch.provider_id) == (TouchStatus.SENT, accepted["sid"])


def test_a_timeout_after_twilio_accepted_is_reconciled_not_resent(
    practice, twilio, twilio_settings
):
    twilio_settings.TWILIO_TIMEOUT = 0.5
    twilio_client.cache_clear()
    twilio.slow(2, count=1)  # Twilio records the text, then answers too late
    touch = claimed_touch(practice)

    assert send_one(touch.pk, NOON) == "unknown"
    touches_reap(LATER)

    assert status(touch) == TouchStatus.SENT and len(twilio.messages) == 1


def test_a_send_twilio_never_got_is_planned_again_by_the_reaper(practice, twilio):
    touch = claimed_touch(practice)
    Touch.objects.filter(pk=touch.pk).update(status=TouchStatus.SENDING)
    Message.objects.create(
        practice=practice,
        contact=touch.enrollment.contact,
        touch=touch,
        direction="out",
        channel="sms",
        body="Hi",
        to_number="+12125550123",
    )  # as a worker killed before the request left would leave it

    assert touches_reap(LATER)["planned"] == 1
    assert status(touch) == TouchStatus.PLANNED and not Message.objects.exists()


def test_a_send_recorded_before_a_crash_is_settled_as_sent_and_counts_as_contacted(
    practice, twilio
):
    touch = claimed_touch(practice)
    Touch.objects.filter(pk=touch.pk).update(
        status=TouchStatus.SENDING, reason="checking with Twilio before any resend: timeout"
    )
    sid = "SM" + "2" * 32
    Message.objects.create(
        practice=practice,
        contact=touch.enrollment.contact,
        touch=touch,
        direction=Direction.OUT,
        channel=Channel.SMS,
        body="Hi",
        to_number="+12125550123",
        provider_id=sid,
        status=MessageStatus.QUEUED,
        status_at=NOON,
    )  # the attempt's answer recorded, the touch's move and its outcome not

    assert touches_reap(LATER)["sent"] == 1

    touch.refresh_from_db()
    assert (touch.status, touch.provider_id, touch.sent_at, touch.reason) == (
        TouchStatus.SENT,
        sid,
        NOON,
        "",
    )
    assert touch.enrollment.outcomes.filter(kind=OutcomeKind.CONTACTED).count() == 1
    assert not twilio.messages  # nothing asked again, nothing resent


def test_stale_claims_go_back_to_planned(practice, twilio):
    touch = claimed_touch(practice)
    touches_reap(NOON + dt.timedelta(minutes=11))
    assert status(touch) == TouchStatus.PLANNED


def test_stop_between_claim_and_send_is_not_sent(practice, twilio):
    touch = claimed_touch(practice)
    contact = touch.enrollment.contact
    contact.sms_opt_out_at = NOON
    contact.save()

    assert send_one(touch.pk, NOON) == "skipped"
    assert twilio.messages == [] and status(touch) == TouchStatus.SKIPPED


def test_an_unsubscribed_number_opts_the_patient_out(practice, twilio):
    touch = claimed_touch(practice, phone="+15005550004")

    assert send_one(touch.pk, NOON) == "failed"

    contact = touch.enrollment.contact
    contact.refresh_from_db()
    assert contact.sms_opt_out_at and "21610" in contact.sms_opt_out_via
    assert status(touch) == TouchStatus.FAILED


def test_a_number_that_cannot_take_texts_switches_the_rest_to_email(practice, twilio):
    touch = claimed_touch(practice, phone="+15005550009", email="pat@example.com", email_valid=True)
    later = Touch.objects.create(
        practice=practice, enrollment=touch.enrollment, step=touch.step, channel="sms", due_at=LATER
    )

    send_one(touch.pk, NOON)

    later.refresh_from_db()
    assert later.channel == Channel.EMAIL
    touch.enrollment.contact.refresh_from_db()
    assert touch.enrollment.contact.sms_unreachable


def test_quiet_hours_hold_the_touch_with_its_reason(practice, twilio):
    touch = claimed_touch(practice)
    night = dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC)  # 22:00 in New York

    assert send_one(touch.pk, night) == "held"

    touch.refresh_from_db()
    assert touch.status == TouchStatus.PLANNED
    assert touch.due_at == dt.datetime(2026, 12, 3, 14, 0, tzinfo=dt.UTC)
    assert touch.reason.startswith("held: 22:00 in America/New_York")
    assert twilio.messages == []


def test_the_sandbox_records_without_calling_twilio(practice, settings, fake_twilio):
    settings.MESSAGING_BACKEND = "sandbox"
    touch = claimed_touch(practice)

    assert send_one(touch.pk, NOON) == "sent"
    assert fake_twilio.requests == 0
    assert Message.objects.get(touch=touch).provider_id.startswith("SMsandbox")


def test_an_email_carries_one_click_unsubscribe_and_the_postal_address(practice, twilio):
    practice.postal_address = "1 Harbor Way, Boston MA"
    practice.save()
    touch = claimed_touch(
        practice,
        channel=Channel.EMAIL,
        phone="",
        phone_valid=False,
        email="pat@example.com",
        email_valid=True,
    )

    assert send_one(touch.pk, NOON) == "sent"

    [email] = mail.outbox
    assert email.to == ["pat@example.com"]
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/hooks/email/unsubscribe/" in email.extra_headers["List-Unsubscribe"]
    assert "1 Harbor Way" in email.body


def test_a_touch_whose_words_cannot_be_filled_in_fails_instead_of_staying_claimed(practice, twilio):
    # Saved before the editor refused such words: it failed on every pass, claimed forever.
    touch = claimed_touch(practice)
    touch.step.templates.update(subject="News for {first_name.__class__}")

    assert send_one(touch.pk, NOON) == "failed"
    touch.refresh_from_db()
    assert touch.status == TouchStatus.FAILED
    assert touch.reason == "failed: its words cannot be filled in; fix the step's template"
    assert twilio.messages_to("+12125550123") == []


@pytest.fixture
def rate_of_five(twilio, twilio_settings):
    """The limit on, at 5 texts a second (a burst of 5), for the helpers' sender."""
    twilio_settings.OUTREACH_SEND_RATE = 5.0
    bucket = redis.Redis.from_url(twilio_settings.REDIS_URL)
    key = f"reactivate:rate:{SERVICE_SID}"
    bucket.delete(key)
    yield
    bucket.delete(key)


def test_a_send_task_out_of_time_hands_the_rest_to_a_follow_up_still_claimed(
    practice, rate_of_five, twilio_settings, django_capture_on_commit_callbacks
):
    touches = [claimed_touch(practice, phone=f"+121255501{i:02d}") for i in range(7)]

    twilio_settings.OUTREACH_SEND_TASK_SECONDS = 0
    with django_capture_on_commit_callbacks() as queued:
        # No time to wait for tokens: the burst goes out, the rest waits for a follow-up.
        results = send_touches([touch.pk for touch in touches])

    assert results == {"sent": 5, "handed back": 2}
    assert len(queued) == 1  # one follow-up send task, after commit
    for touch in touches[5:]:
        touch.refresh_from_db()
        # Restamped: the reaper's stale-claim clock runs from the hand-back.
        assert touch.status == TouchStatus.CLAIMED and touch.claimed_at > NOON
