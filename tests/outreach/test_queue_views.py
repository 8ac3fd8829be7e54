"""The coordinator's work queue: order, scope, shared pools, one-tap outcomes with undo,
replies, and a query count that does not grow with the list."""

import datetime as dt
import itertools
import re

import pytest
import time_machine
from django.urls import reverse

from campaigns.models import Channel, OutcomeKind, State, Touch, TouchStatus
from outreach.inbound import inbound_sms_receive
from outreach.models import Message
from reactivate.models import Role
from tests.factories import ContactFactory, EnrollmentFactory
from tests.outreach.helpers import sender_for

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC)  # 11:00 in New York
SIDS = itertools.count(1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def me(member):
    return member(Role.COORDINATOR)


@pytest.fixture
def client(client_for, me):
    return client_for(me)


def url(name, practice, **kwargs):
    return reverse(f"outreach:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


def enroll(practice, coordinator=None, **kwargs):
    contact = ContactFactory(practice=practice, time_zone="America/New_York")
    return EnrollmentFactory(
        campaign__practice=practice,
        campaign__status="running",
        contact=contact,
        coordinator=coordinator,
        **kwargs,
    )


def reply_from(enrollment, minutes_ago, body="Yes"):
    """The patient texts back ``minutes_ago``, through the inbound webhook's service."""
    sender = sender_for(enrollment.practice)
    with time_machine.travel(NOW - dt.timedelta(minutes=minutes_ago), tick=False):
        message, _answer = inbound_sms_receive(
            {
                "MessageSid": f"SM{next(SIDS):032d}",
                "From": enrollment.contact.phone,
                "To": sender.sms_number,
                "Body": body,
            }
        )
    return message


def touch(enrollment, step, **fields):
    return Touch.objects.create(
        practice=enrollment.practice, enrollment=enrollment, step=step, **fields
    )


def held_touch(enrollment, step):
    """A text the send guard is holding until the morning."""
    return touch(
        enrollment,
        step,
        channel=Channel.SMS,
        due_at=NOW + dt.timedelta(hours=12),
        reason="held: 21:05 in America/New_York is past the 21:00 legal limit; moved to 09:00",
    )


def call_task(enrollment, step_channel=Channel.CALL):
    step = enrollment.campaign.sequence.steps.filter(channel=step_channel).first()
    return touch(enrollment, step, channel=Channel.CALL, due_at=NOW - dt.timedelta(minutes=5))


def sections(client, practice):
    queue = client.get(url("queue", practice)).context["queue"]
    return {key: [i.enrollment.pk for i in items] for key, items in queue.sections.items()}


def test_the_queue_puts_replies_first_oldest_first_then_the_rest(client, practice, me):
    newer = enroll(practice, me.user, state=State.PAUSED)
    older = enroll(practice, me.user, state=State.PAUSED)
    reply_from(newer, 5)
    reply_from(older, 50)
    requalify = enroll(practice, me.user, state=State.REQUALIFYING)
    calling = enroll(practice, me.user)
    call_task(calling)
    fallback = enroll(practice, me.user)
    call_task(fallback, step_channel=Channel.VOICEMAIL)

    got = sections(client, practice)

    assert got["replies"] == [older.pk, newer.pk]
    assert got["requalify"] == [requalify.pk]
    assert got["calls"] == [calling.pk]
    assert got["voicemail"] == [fallback.pk]
    page = client.get(url("queue", practice)).content.decode()
    assert page.index("Replies waiting") < page.index("Re-qualify") < page.index("Calls due now")


def test_held_touches_show_their_reason(client, practice, me):
    enrollment = enroll(practice, me.user)
    step = enrollment.campaign.sequence.steps.filter(channel=Channel.SMS).first()
    held_touch(enrollment, step)
    assert "past the 21:00 legal limit" in client.get(url("queue", practice)).content.decode()


def calls_due(practice, user, count: int):
    """One patient of ``user`` with ``count`` call tasks already due; returns the call step."""
    busy = enroll(practice, user)
    step = busy.campaign.sequence.steps.filter(channel=Channel.CALL).first()
    Touch.objects.bulk_create(
        Touch(
            practice=practice,
            enrollment=busy,
            step=step,
            channel=Channel.CALL,
            due_at=NOW - dt.timedelta(minutes=count - i),
        )
        for i in range(count)
    )
    return step


def test_held_touches_show_even_when_hundreds_of_calls_are_due_before_them(client, practice, me):
    step = calls_due(practice, me.user, 400)
    held = enroll(practice, me.user)
    held_touch(held, step)

    got = sections(client, practice)

    assert got["held"] == [held.pk]
    assert len(got["calls"]) == 50


def test_a_voicemail_fallback_shows_even_when_hundreds_of_calls_are_due_before_it(
    client, practice, me
):
    calls_due(practice, me.user, 400)
    fallback = enroll(practice, me.user)
    call_task(fallback, step_channel=Channel.VOICEMAIL)

    assert sections(client, practice)["voicemail"] == [fallback.pk]


def calls_heading(client, practice) -> str:
    page = client.get(url("queue", practice)).content.decode()
    return re.search(r"Calls due now <span class=\"count\">\(([^)]*)\)", page)[1]


def test_the_calls_heading_says_50_of_949_when_949_are_due(client, practice, me):
    calls_due(practice, me.user, 949)

    assert calls_heading(client, practice) == "50 of 949"


def test_the_calls_heading_counts_only_the_coordinators_own_calls(client, practice, me, member):
    calls_due(practice, me.user, 60)
    calls_due(practice, member(Role.COORDINATOR).user, 200)

    assert calls_heading(client, practice) == "50 of 60"


def test_a_short_list_of_calls_is_counted_as_it_is(client, practice, me):
    calls_due(practice, me.user, 12)

    assert calls_heading(client, practice) == "12"


def test_a_backlog_beyond_the_counting_cap_shows_as_the_cap_and_more(
    client, practice, me, monkeypatch
):
    from outreach import queue as queue_selectors

    monkeypatch.setattr(queue_selectors, "COUNT_CAP", 100)
    calls_due(practice, me.user, 150)

    assert calls_heading(client, practice) == "50 of 100+"


def test_a_call_task_of_a_patient_who_is_no_longer_active_is_not_due(client, practice, me):
    paused = enroll(practice, me.user, state=State.PAUSED)
    call_task(paused)
    assert paused.pk not in sections(client, practice)["calls"]


def closeout_sent(enrollment):
    step = enrollment.campaign.sequence.steps.get(is_closeout=True)
    return touch(
        enrollment,
        step,
        channel=Channel.SMS,
        due_at=NOW - dt.timedelta(hours=2),
        status=TouchStatus.DELIVERED,
    )


def test_a_patient_whose_closeout_went_out_with_nothing_left_to_send_is_a_closeout(
    client, practice, me
):
    finished = enroll(practice, me.user)
    closeout_sent(finished)
    still_going = enroll(practice, me.user)
    closeout_sent(still_going)
    call_task(still_going)
    not_yet = enroll(practice, me.user)

    got = sections(client, practice)["closeouts"]

    assert got == [finished.pk]
    assert not_yet.pk not in got


def test_the_owner_sees_every_coordinators_patients(practice, member):
    from django.test import Client

    first, second = member(Role.COORDINATOR).user, member(Role.COORDINATOR).user
    theirs = [enroll(practice, c, state=State.REQUALIFYING).pk for c in (first, second, None)]
    owner = Client()
    owner.force_login(member(Role.OWNER).user)
    assert sorted(sections(owner, practice)["requalify"]) == sorted(theirs)


def test_a_coordinator_sees_their_own_and_the_pool_not_a_colleagues(client, practice, me, member):
    colleague = member(Role.COORDINATOR).user
    mine = enroll(practice, me.user, state=State.REQUALIFYING)
    pool = enroll(practice, None, state=State.REQUALIFYING)
    theirs = enroll(practice, colleague, state=State.REQUALIFYING)

    got = sections(client, practice)["requalify"]

    assert mine.pk in got and pool.pk in got and theirs.pk not in got
    assert client.get(url("panel", practice, enrollment_id=theirs.pk)).status_code == 403


def test_two_coordinators_never_get_the_same_pool_patient(client, practice, member, client_for):
    pool = enroll(practice, None, state=State.REQUALIFYING)
    assert client.get(url("panel", practice, enrollment_id=pool.pk)).status_code == 200

    from django.test import Client

    other = Client()
    other.force_login(member(Role.COORDINATOR).user)
    assert other.get(url("panel", practice, enrollment_id=pool.pk)).status_code == 403
    assert pool.pk not in [
        i.enrollment.pk for i in other.get(url("queue", practice)).context["queue"].items()
    ]
    with time_machine.travel(NOW + dt.timedelta(minutes=16), tick=False):
        # The claim expired: the patient is back in the pool.
        assert other.get(url("panel", practice, enrollment_id=pool.pk)).status_code == 200


def tap(client, practice, enrollment, kind, **data):
    return client.post(
        url("outcome", practice, enrollment_id=enrollment.pk),
        {"kind": kind, **data},
        headers={"HX-Request": "true"},
    )


def test_no_answer_is_logged_and_the_sequence_goes_on(client, practice, me):
    enrollment = enroll(practice, me.user)
    response = tap(client, practice, enrollment, "no_answer")
    assert "Recorded: <strong>No answer</strong>" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.state == State.ACTIVE
    assert enrollment.outcomes.get().kind == OutcomeKind.NO_ANSWER


def test_a_call_result_takes_the_call_task_off_the_queue(client, practice, me):
    enrollment = enroll(practice, me.user)
    task = call_task(enrollment)
    tap(client, practice, enrollment, "no_answer")
    task.refresh_from_db()
    assert task.status == TouchStatus.DONE and task.reason == "done: no answer"
    assert enrollment.pk not in sections(client, practice)["calls"]


def test_not_now_closes_with_the_return_date_and_handles_the_reply(client, practice, me):
    enrollment = enroll(practice, me.user, state=State.PAUSED)
    reply = reply_from(enrollment, 10, "maybe in spring")
    tap(client, practice, enrollment, "not_now", return_date="2027-03-15")
    enrollment.refresh_from_db()
    reply.refresh_from_db()
    assert (enrollment.state, enrollment.nurture_until) == (
        State.CLOSED_NOT_NOW,
        dt.date(2027, 3, 15),
    )
    assert reply.handled_at is not None


def test_scheduled_from_the_requalification_form(client, practice, me):
    enrollment = enroll(practice, me.user, state=State.PAUSED)
    tap(
        client,
        practice,
        enrollment,
        "requalify",
        soon="yes",
        fit="yes",
        appointment_at="2026-12-09T10:00",
    )
    enrollment.refresh_from_db()
    assert enrollment.state == State.SCHEDULED
    assert enrollment.appointment_at == dt.datetime(2026, 12, 9, 15, 0, tzinfo=dt.UTC)


def test_undo_puts_the_enrollment_back_and_replans_its_touches(client, practice, me):
    enrollment = enroll(practice, me.user)
    step = enrollment.campaign.sequence.steps.filter(channel=Channel.SMS).first()
    later = touch(enrollment, step, channel=Channel.SMS, due_at=NOW + dt.timedelta(days=2))
    tap(client, practice, enrollment, "not_a_fit")
    outcome = enrollment.outcomes.get(kind=OutcomeKind.NOT_A_FIT)

    response = client.post(
        url("undo", practice, outcome_id=outcome.pk), headers={"HX-Request": "true"}
    )

    assert "Undone: Not a fit." in response.content.decode()
    enrollment.refresh_from_db()
    later.refresh_from_db()
    assert enrollment.state == State.ACTIVE and later.status == TouchStatus.PLANNED
    assert enrollment.outcomes.filter(kind=OutcomeKind.UNDONE, corrects=outcome).exists()


def test_undo_is_refused_after_two_minutes(client, practice, me):
    enrollment = enroll(practice, me.user)
    tap(client, practice, enrollment, "not_a_fit")
    outcome = enrollment.outcomes.get()
    with time_machine.travel(NOW + dt.timedelta(minutes=3), tick=False):
        response = client.post(
            url("undo", practice, outcome_id=outcome.pk), headers={"HX-Request": "true"}
        )
    assert "within two minutes" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.state == State.CLOSED_NOT_FIT


def test_the_decisions_bar_counts_todays_decisions_against_the_quota(client, practice, me):
    me.daily_quota = 4
    me.save()
    tap(client, practice, enroll(practice, me.user), "not_a_fit")
    tap(client, practice, enroll(practice, me.user), "no_answer")  # not a decision
    queue = client.get(url("queue", practice)).context["queue"]
    assert (queue.decisions_today, queue.quota, queue.quota_percent) == (1, 4, 25)


def test_a_reply_goes_out_through_the_sandbox_and_joins_the_thread(client, practice, me, settings):
    settings.MESSAGING_BACKEND = "sandbox"
    enrollment = enroll(practice, me.user, state=State.PAUSED)
    reply_from(enrollment, 3, "Is Friday possible?")
    response = client.post(
        url("reply", practice, enrollment_id=enrollment.pk),
        {"body": "Yes, Friday at 10 works. Shall I book it?"},
        headers={"HX-Request": "true"},
    )
    assert "Yes, Friday at 10 works." in response.content.decode()
    assert Message.objects.filter(direction="out", kind="manual").count() == 1
    assert not Message.objects.filter(direction="in", handled_at__isnull=True).exists()


def test_a_reply_in_the_patients_quiet_hours_is_kept_for_their_morning(
    client, practice, me, settings
):
    settings.MESSAGING_BACKEND = "sandbox"
    enrollment = enroll(practice, me.user, state=State.PAUSED)
    enrollment.contact.time_zone = "Pacific/Honolulu"  # 16:00 UTC is 06:00 there
    enrollment.contact.save()
    response = client.post(
        url("reply", practice, enrollment_id=enrollment.pk),
        {"body": "Hello"},
        headers={"HX-Request": "true"},
    )
    assert "It goes out at 9:00 AM, the patient&#x27;s time" in response.content.decode()
    assert Message.objects.get(direction="out").status == "planned"


def test_new_replies_appear_in_the_list_without_a_reload(client, practice, me):
    enrollment = enroll(practice, me.user)
    before = client.get(url("queue", practice) + "?part=list", headers={"HX-Request": "true"})
    assert enrollment.contact.full_name not in before.content.decode()
    reply_from(enrollment, 0)
    after = client.get(url("queue", practice) + "?part=list", headers={"HX-Request": "true"})
    assert enrollment.contact.full_name in after.content.decode()
    assert "<html" not in after.content.decode()


def test_the_list_refreshes_itself_as_background_while_its_links_stay_activity(
    client, practice, me
):
    # The poll must not hold an idle session open (reactivate.middleware); a click on a
    # patient must. hx-headers is inherited, so the links may not sit inside the poller.
    reply_from(enroll(practice, me.user, state=State.PAUSED), 1)
    page = client.get(url("queue", practice)).content.decode()
    poller = re.search(r'<div id="queue-poll"[^>]*>', page).group(0)
    assert 'hx-trigger="every 20s' in poller
    assert "X-Background-Poll" in poller
    listing = page[page.index('id="queue-list"') : page.index('id="queue-poll"')]
    assert "hx-get" in listing
    assert "X-Background-Poll" not in listing


@pytest.mark.parametrize("size", [3, 30])
def test_the_queue_page_query_count_does_not_grow_with_the_list(
    client, practice, me, size, django_assert_max_num_queries
):
    for i in range(size):
        reply_from(enroll(practice, me.user, state=State.PAUSED), i + 1)
        call_task(enroll(practice, me.user))
    with django_assert_max_num_queries(12):
        client.get(url("queue", practice))


def test_the_demo_queue_has_replies_waiting(db):
    from django.core.management import call_command
    from django.test import Client

    from reactivate.models import Membership

    call_command("seed_demo")
    coordinator = Membership.objects.get(practice__slug="demo", role=Role.COORDINATOR)
    demo = Client()
    demo.force_login(coordinator.user)
    queue = demo.get("/p/demo/queue/").context["queue"]
    assert len(queue.sections["replies"]) >= 2


def test_do_not_contact_from_the_queue_says_who_set_it_not_that_the_patient_asked(
    client, practice, me
):
    enrollment = enroll(practice, me.user)
    tap(client, practice, enrollment, "do_not_contact")
    enrollment.contact.refresh_from_db()
    assert enrollment.contact.do_not_contact
    reason = enrollment.contact.do_not_contact_reason
    assert "work queue" in reason and "asked by the patient" not in reason


def test_undoing_do_not_contact_clears_the_flag_the_tap_set(client, practice, me):
    enrollment = enroll(practice, me.user)
    tap(client, practice, enrollment, "do_not_contact")
    outcome = enrollment.outcomes.get(kind=OutcomeKind.DO_NOT_CONTACT)

    client.post(url("undo", practice, outcome_id=outcome.pk), headers={"HX-Request": "true"})

    enrollment.refresh_from_db()
    enrollment.contact.refresh_from_db()
    assert enrollment.state == State.ACTIVE
    assert not enrollment.contact.do_not_contact
    assert enrollment.contact.do_not_contact_reason == ""


def test_undoing_do_not_contact_keeps_a_flag_the_patient_set_before(client, practice, me):
    enrollment = enroll(practice, me.user)
    contact = enrollment.contact
    contact.do_not_contact, contact.do_not_contact_reason = True, "Asked by phone on 12/01"
    contact.save(update_fields=["do_not_contact", "do_not_contact_reason"])
    tap(client, practice, enrollment, "do_not_contact")
    outcome = enrollment.outcomes.get(kind=OutcomeKind.DO_NOT_CONTACT)

    client.post(url("undo", practice, outcome_id=outcome.pk), headers={"HX-Request": "true"})

    contact.refresh_from_db()
    assert contact.do_not_contact
    assert contact.do_not_contact_reason == "Asked by phone on 12/01"
