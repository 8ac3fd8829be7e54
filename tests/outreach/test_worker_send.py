"""Sends through a real Celery worker process, the real SDK and the fake Twilio.

The fake Twilio's log is the ground truth of what was sent. The dispatcher runs in this
process (``touches_dispatch_due``); the worker (``celery_worker_process``, prefork, two
children) sends. Nothing here sleeps to wait for work: the test blocks on the fake's log
(``wait_for_log``) and on the results of the send tasks the dispatcher queued (the
``queued`` fixture keeps their results, so ``.get()`` returns once a task, or its
redelivery after a lost worker, has run to the end).

The worker sends at real time, so the patients live in a zone where it is early afternoon
now, and the practice sends every day: the send guard lets them through whenever the test
runs.

The rate tests use a second worker of their own (``paced_worker``): the limit on, and a
short time budget per send task, so each task hands what is left to a follow-up.

The last test runs in process: the reaper racing a send that waited in a deep queue.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignStatus, Channel, Enrollment, Touch, TouchStatus
from contacts.models import Contact
from outreach.dispatch import touches_reap
from outreach.models import Message
from outreach.tasks import send_touches, touches_dispatch_due
from outreach.transports.sms import TwilioSmsTransport
from reactivate.celery import app
from tests.conftest import celery_worker_start
from tests.factories import CampaignFactory, PracticeFactory
from tests.fake_twilio.signing import inbound_sms_payload
from tests.outreach.helpers import SERVICE_SID, send_one, sender_for, twilio_post

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60  # a bound, so a broken worker fails the test instead of hanging it
TOUCHES = 500


class Queued:
    """The send tasks the dispatcher queues, published with their results kept.

    ``held()`` keeps them from the broker until the block ends (the worker cannot start
    them yet); ``wait()`` blocks until every task published so far has finished and
    returns their outcomes.
    """

    def __init__(self):
        self.results = []
        self.waited = 0
        self.holding: list[tuple] | None = None

    def delay(self, *args, **kwargs):
        if self.holding is not None:
            self.holding.append((args, kwargs))
            return None
        return self._publish(args, kwargs)

    def _publish(self, args, kwargs):
        result = send_touches.apply_async(args, kwargs, ignore_result=False)
        self.results.append(result)
        return result

    @contextmanager
    def held(self) -> Iterator[None]:
        self.holding = []
        try:
            yield
        finally:
            holding, self.holding = self.holding, None
            for args, kwargs in holding:
                self._publish(args, kwargs)

    def wait(self) -> list[dict[str, int]]:
        pending, self.waited = self.results[self.waited :], len(self.results)
        return [result.get(timeout=WAIT_SECONDS) for result in pending]


@pytest.fixture
def queued() -> Iterator[Queued]:
    recorder = Queued()
    with mock.patch.object(send_touches._get_current_object(), "delay", recorder.delay):
        yield recorder


def afternoon_zone(now: dt.datetime) -> str:
    """A fixed-offset IANA zone where it is 13:xx at ``now``: inside every sending window
    for hours, whenever the test runs."""
    offset = (13 - now.astimezone(dt.UTC).hour) % 24
    if offset > 12:
        offset -= 24
    # POSIX-style names: Etc/GMT-3 is three hours east of UTC.
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/UTC"


def due_touches(count: int, now: dt.datetime) -> list[Touch]:
    """``count`` texts due now, each to its own patient, built in bulk."""
    practice = PracticeFactory(sends_on_saturday=True, sends_on_sunday=True)
    sender_for(practice)
    campaign = CampaignFactory(practice=practice, status=CampaignStatus.RUNNING)
    step = campaign.sequence.steps.filter(channel=Channel.SMS).order_by("day", "position")[0]
    zone = afternoon_zone(now)
    contacts = Contact.objects.bulk_create(
        Contact(
            practice=practice,
            first_name=f"Pat{i}",
            last_name="Example",
            phone=f"+1212555{i:04d}",
            phone_raw=f"+1212555{i:04d}",
            phone_valid=True,
            time_zone=zone,
        )
        for i in range(count)
    )
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            practice=practice,
            campaign=campaign,
            contact=contact,
            bucket="inquiry",
            start_day=now.date(),
        )
        for contact in contacts
    )
    return Touch.objects.bulk_create(
        Touch(
            practice=practice,
            enrollment=enrollment,
            step=step,
            channel=Channel.SMS,
            due_at=now - dt.timedelta(minutes=1),
            status=TouchStatus.PLANNED,
        )
        for enrollment in enrollments
    )


def _pool_children(worker_pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == worker_pid:
            children.append(int(stat.parent.name))
    return children


def after_stale_sending(now: dt.datetime) -> dt.datetime:
    """When the reaper treats a send started at ``now`` as stuck (what a crash left)."""
    return now + dt.timedelta(minutes=settings.OUTREACH_SENDING_STALE_MINUTES + 1)


def statuses() -> Counter:
    return Counter(Touch.objects.values_list("status", flat=True))


def test_a_worker_killed_mid_send_leaves_every_touch_sent_exactly_once(
    celery_worker_process, twilio, queued
):
    now = timezone.now()
    touches = due_touches(TOUCHES, now)
    phones = Counter(touch.enrollment.contact.phone for touch in touches)
    twilio.slow(0.02)  # Twilio records each text, then answers 20 ms later: sends in flight

    assert touches_dispatch_due(now) == TOUCHES
    # Well into the run, and mid-batch: some of the touches marked sending have reached
    # Twilio and some have not.
    assert twilio.wait_for_log(125, timeout=WAIT_SECONDS)
    pool = _pool_children(celery_worker_process.pid)
    assert pool, "the worker has no pool processes to kill"
    for pid in pool:
        os.kill(pid, signal.SIGKILL)
    sent_before_kill = len(twilio.messages)
    assert sent_before_kill < TOUCHES, "the kill came after the last send"
    twilio.slow(0)

    # The lost tasks come back (acks late, rejected on worker loss) to the new pool
    # processes, which send what is still claimed and leave what was mid-send alone.
    outcomes = queued.wait()
    assert len(outcomes) == TOUCHES // settings.OUTREACH_TASK_TOUCHES
    assert not statuses()[TouchStatus.CLAIMED]
    # What the kill left in "sending" is reconciled with Twilio by the reaper (which the
    # next dispatcher pass runs first): sent if Twilio has it, else planned and sent again.
    touches_dispatch_due(after_stale_sending(now))
    queued.wait()

    assert statuses() == {TouchStatus.SENT: TOUCHES}
    log = twilio.messages
    assert Counter(message["to"] for message in log) == phones  # each patient exactly once
    assert set(Touch.objects.values_list("provider_id", flat=True)) == {m["sid"] for m in log}
    assert Message.objects.filter(provider_id__isnull=False).count() == TOUCHES


def test_429_then_success_is_sent_once(celery_worker_process, twilio, queued):
    now = timezone.now()
    [touch] = due_touches(1, now)
    twilio.fail_next(429)

    touches_dispatch_due(now)
    assert queued.wait() == [{"retry": 1}]
    touch.refresh_from_db()
    assert touch.status == TouchStatus.PLANNED and touch.reason.startswith("retrying:")
    assert twilio.messages == [] and not Message.objects.exists()

    touches_dispatch_due(touch.due_at)  # the backoff has passed
    assert queued.wait() == [{"sent": 1}]

    touch.refresh_from_db()
    [sent] = twilio.messages
    assert (touch.status, touch.provider_id, touch.attempts) == (TouchStatus.SENT, sent["sid"], 2)


def test_a_500_after_twilio_accepted_is_reconciled_not_resent(
    celery_worker_process, twilio, queued
):
    now = timezone.now()
    [touch] = due_touches(1, now)
    twilio.fail_after_accept(500)

    touches_dispatch_due(now)
    assert queued.wait() == [{"unknown": 1}]
    touch.refresh_from_db()
    assert touch.status == TouchStatus.SENDING

    touches_dispatch_due(after_stale_sending(now))
    assert queued.wait() == []  # reconciled: nothing queued again

    touch.refresh_from_db()
    [accepted] = twilio.messages
    assert (touch.status, touch.provider_id) == (TouchStatus.SENT, accepted["sid"])


def test_stop_arriving_between_claim_and_send_is_not_sent(
    celery_worker_process, client, twilio, queued
):
    now = timezone.now()
    [touch] = due_touches(1, now)
    phone = touch.enrollment.contact.phone

    with queued.held():  # claimed and committed; the worker has not started the send
        assert touches_dispatch_due(now) == 1
        params = inbound_sms_payload(
            from_=phone, to="+12125550199", body="STOP", messaging_service_sid=SERVICE_SID
        )
        response = twilio_post(client, reverse("hooks:sms_inbound"), params, twilio.auth_token)
        assert response.status_code == 200
    assert queued.wait() == [{"skipped": 1}]

    touch.refresh_from_db()
    assert touch.status == TouchStatus.SKIPPED and touch.reason.startswith("skipped:")
    assert twilio.messages == []


RATE = 10  # texts a second: a bucket of 10, then one every 0.1 s
# A send is recorded by Twilio a little after its token's time (a busy machine, threads):
# how much lateness the "never above the bucket" check forgives, in seconds of tokens.
JITTER = 0.5


@pytest.fixture(scope="module")
def paced_worker(django_db_setup, tmp_path_factory, fake_twilio_server) -> Iterator[str]:
    """A worker sending at ``RATE`` texts a second, each send task for at most 1 s before
    it hands the rest to a follow-up, on a queue of its own (the session's worker sends
    without a limit); yields the queue."""
    queue = f"outreach-paced-{os.getpid()}"
    process = celery_worker_start(
        fake_twilio_server,
        tmp_path_factory.mktemp("paced-worker"),
        queues=(queue,),
        name="paced-worker",
        OUTREACH_SEND_RATE=str(RATE),
        OUTREACH_SEND_TASK_SECONDS="1",
    )
    yield queue
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def paced(paced_worker, twilio, settings) -> Iterator[None]:
    """The dispatcher's send tasks go to the paced worker, in tasks of 10 touches; the
    sender's bucket starts full."""
    settings.OUTREACH_TASK_TOUCHES = 10
    bucket = redis.Redis.from_url(settings.REDIS_URL)
    bucket.delete(f"reactivate:rate:{SERVICE_SID}")
    routes = app.conf.task_routes
    _routes_set({"outreach.tasks.send_*": {"queue": paced_worker}})
    yield
    _routes_set(routes)


def _routes_set(routes) -> None:
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)  # a cached property, built from the old routes


def _all_sent(count: int) -> bool:
    """Bounded wait for the database to record ``count`` touches sent (the worker records
    each a moment after Twilio answers; a test ends only once it is done writing)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while statuses() != {TouchStatus.SENT: count}:
        if time.monotonic() > deadline:
            return False
    return True


def _send_times(twilio) -> list[float]:
    return sorted(message["date_created"].timestamp() for message in twilio.messages)


def test_texts_go_out_at_the_configured_rate(paced, twilio):
    count = 40  # the bucket's 10 at once, then 30 at 10 a second: about 3 s, not minutes
    now = timezone.now()
    due_touches(count, now)

    assert touches_dispatch_due(now) == count  # one pass: no waiting for the next minute
    assert twilio.wait_for_log(count, timeout=WAIT_SECONDS)
    assert _all_sent(count)

    times = _send_times(twilio)
    sustained = (count - RATE) / (times[-1] - times[0])
    assert sustained >= 0.8 * RATE, f"{sustained:.1f} texts/s"


def test_the_senders_bucket_is_never_exceeded(paced, twilio):
    count = 30
    now = timezone.now()
    due_touches(count, now)

    touches_dispatch_due(now)
    assert twilio.wait_for_log(count, timeout=WAIT_SECONDS)
    assert _all_sent(count)

    # Between any two sends, no more than the bucket (10) plus what it refilled meanwhile.
    times = _send_times(twilio)
    for i, first in enumerate(times):
        for j in range(i, len(times)):
            allowed = RATE + RATE * (times[j] - first + JITTER)
            assert j - i + 1 <= allowed, f"{j - i + 1} texts in {times[j] - first:.2f} s"


def test_paced_texts_handed_to_follow_up_tasks_reach_each_patient_once(paced, twilio):
    count = 30  # tasks of 10, two at a time sharing 10 a second, 1 s each: follow-ups
    now = timezone.now()
    touches = due_touches(count, now)

    touches_dispatch_due(now)
    assert twilio.wait_for_log(count, timeout=WAIT_SECONDS)

    assert _all_sent(count)
    phones = Counter(touch.enrollment.contact.phone for touch in touches)
    assert Counter(message["to"] for message in twilio.messages) == phones


def test_a_send_that_waited_in_the_queue_is_not_reconciled_while_in_flight(twilio):
    """In process: a touch claimed long ago (a deep queue) is mid-request when the beat's
    reaper runs. The reaper's clock for "stuck in sending" starts with the attempt, so it
    leaves the touch alone instead of planning it again (a second text)."""
    start = timezone.now()
    [touch] = due_touches(1, start)
    Touch.objects.filter(pk=touch.pk).update(status=TouchStatus.CLAIMED, claimed_at=start)
    late = after_stale_sending(start)  # the send starts after the reaper's threshold
    reaped = {}
    send = TwilioSmsTransport.send

    def send_while_the_reaper_runs(self, out):
        reaped.update(touches_reap(late + dt.timedelta(seconds=1)))
        return send(self, out)

    with mock.patch.object(TwilioSmsTransport, "send", send_while_the_reaper_runs):
        assert send_one(touch.pk, late) == "sent"

    assert reaped == {"returned": 0, "sent": 0, "planned": 0, "unknown": 0}
    assert touches_dispatch_due(late + dt.timedelta(minutes=1)) == 0
    touch.refresh_from_db()
    [sent] = twilio.messages
    assert (touch.status, touch.provider_id) == (TouchStatus.SENT, sent["sid"])
