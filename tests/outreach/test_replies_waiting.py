"""``Enrollment.reply_waiting_since``: since when the patient's oldest unhandled reply has
waited, kept by the services that record, handle and merge replies and by enrollment, and
filled for existing rows by a data migration (the work queue orders its replies by it)."""

import datetime as dt
import importlib
import itertools

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from campaigns.lifecycle import campaign_create, campaign_start
from campaigns.models import Enrollment, State
from contacts.dedupe import contact_merge
from outreach.conversation import (
    replies_handle,
    replies_waiting_mark,
    replies_waiting_reconcile,
)
from outreach.inbound import inbound_sms_receive
from outreach.models import Message
from outreach.queue import queue_for
from tests.factories import ContactFactory, EnrollmentFactory, duplicate_pair
from tests.outreach.helpers import sender_for

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC)
SIDS = itertools.count(1)


def enroll(contact, **kwargs):
    return EnrollmentFactory(
        campaign__practice=contact.practice, campaign__status="running", contact=contact, **kwargs
    )


def text_in(contact, body="Yes, still interested", *, at=NOW, phone=None):
    """The patient texts ``body`` at ``at``, through the inbound webhook's service."""
    sender = sender_for(contact.practice)
    with time_machine.travel(at, tick=False):
        message, _answer = inbound_sms_receive(
            {
                "MessageSid": f"SM{next(SIDS):032d}",
                "From": phone or contact.phone,
                "To": sender.sms_number,
                "Body": body,
            }
        )
    return message


def waiting_since(enrollment):
    enrollment.refresh_from_db()
    return enrollment.reply_waiting_since


def test_a_reply_marks_the_enrollment_waiting_since_it_came(practice):
    enrollment = enroll(ContactFactory(practice=practice))
    text_in(enrollment.contact, at=NOW)
    assert waiting_since(enrollment) == NOW


def test_a_second_reply_keeps_the_time_of_the_first(practice):
    enrollment = enroll(ContactFactory(practice=practice))
    text_in(enrollment.contact, at=NOW)
    text_in(enrollment.contact, "Tuesday?", at=NOW + dt.timedelta(minutes=5))
    assert waiting_since(enrollment) == NOW


def test_a_help_text_answered_at_once_leaves_nothing_waiting(practice):
    enrollment = enroll(ContactFactory(practice=practice))
    text_in(enrollment.contact, "HELP")
    assert waiting_since(enrollment) is None


def test_a_reply_to_a_patient_with_no_open_enrollment_marks_their_closed_ones(practice):
    enrollment = enroll(ContactFactory(practice=practice), state=State.COMPLETED)
    text_in(enrollment.contact, at=NOW)
    assert waiting_since(enrollment) == NOW


def test_handling_the_replies_clears_it(practice):
    enrollment = enroll(ContactFactory(practice=practice))
    text_in(enrollment.contact)
    replies_handle(enrollment.contact_id)
    assert waiting_since(enrollment) is None


def waiting_text(contact, at):
    """An unhandled text from a patient the webhook cannot match by phone (merged
    records often have none), recorded at ``at`` and marked waiting as the webhook does."""
    with time_machine.travel(at, tick=False):
        message = Message.objects.create(
            practice=contact.practice, contact=contact, direction="in", channel="sms", body="Yes"
        )
    replies_waiting_mark(message)
    return message


def test_a_merge_gives_the_survivors_enrollment_the_merged_records_waiting_reply(practice):
    survivor, merged = duplicate_pair(practice)
    kept = enroll(survivor)
    waiting_text(merged, NOW - dt.timedelta(minutes=30))
    contact_merge(survivor=survivor, merged=merged)
    assert waiting_since(kept) == NOW - dt.timedelta(minutes=30)


def test_a_merged_records_enrollment_takes_the_survivors_older_waiting_reply(practice):
    survivor, merged = duplicate_pair(practice)
    moved = enroll(merged)
    waiting_text(survivor, NOW - dt.timedelta(minutes=30))
    waiting_text(merged, NOW - dt.timedelta(minutes=10))
    contact_merge(survivor=survivor, merged=merged)
    moved.refresh_from_db()
    assert (moved.contact_id, moved.reply_waiting_since) == (
        survivor.pk,
        NOW - dt.timedelta(minutes=30),
    )


def test_a_patient_enrolled_while_a_reply_waits_is_in_the_queues_replies(practice, member):
    me = member()
    contact = ContactFactory(practice=practice)
    with time_machine.travel(NOW - dt.timedelta(minutes=5), tick=False):
        message = Message.objects.create(
            practice=practice, contact=contact, direction="in", channel="sms", body="Hello?"
        )
    campaign = campaign_create(
        practice=practice,
        name="Winter",
        buckets=["inquiry"],
        start_date=NOW.date(),
        coordinators=[me.user],
    )
    with time_machine.travel(NOW, tick=False):
        campaign_start(campaign)
    enrollment = contact.enrollments.get()
    assert enrollment.reply_waiting_since == message.created_at
    replies = queue_for(practice, me.user, NOW).sections["replies"]
    assert [item.enrollment.pk for item in replies] == [enrollment.pk]


def test_the_queue_lists_replies_oldest_first(practice, member):
    me = member()
    newer = enroll(ContactFactory(practice=practice), coordinator=me.user)
    older = enroll(ContactFactory(practice=practice), coordinator=me.user)
    text_in(newer.contact, at=NOW - dt.timedelta(minutes=5))
    text_in(older.contact, at=NOW - dt.timedelta(minutes=50))
    replies = queue_for(practice, me.user, NOW).sections["replies"]
    assert [(i.enrollment.pk, i.at) for i in replies] == [
        (older.pk, NOW - dt.timedelta(minutes=50)),
        (newer.pk, NOW - dt.timedelta(minutes=5)),
    ]


def test_a_reply_that_raced_its_patients_enrollment_reaches_the_queue_at_the_next_sweep(
    practice, member
):
    me = member()
    enrollment = enroll(ContactFactory(practice=practice), coordinator=me.user)
    text_in(enrollment.contact, at=NOW - dt.timedelta(minutes=3))
    # What the race leaves: the enrollment committed without the reply's time.
    Enrollment.objects.filter(pk=enrollment.pk).update(reply_waiting_since=None)
    assert queue_for(practice, me.user, NOW).sections["replies"] == []
    assert replies_waiting_reconcile() == 1
    replies = queue_for(practice, me.user, NOW).sections["replies"]
    assert [(i.enrollment.pk, i.at) for i in replies] == [
        (enrollment.pk, NOW - dt.timedelta(minutes=3))
    ]


def test_the_sweep_clears_a_waiting_time_whose_replies_were_handled_elsewhere(practice):
    enrollment = enroll(ContactFactory(practice=practice))
    text_in(enrollment.contact)
    Message.objects.filter(contact=enrollment.contact).update(handled_at=NOW)
    assert replies_waiting_reconcile() == 1
    assert waiting_since(enrollment) is None


def test_the_sweep_leaves_agreeing_enrollments_alone(practice):
    text_in(enroll(ContactFactory(practice=practice)).contact)
    enroll(ContactFactory(practice=practice))
    assert replies_waiting_reconcile() == 0


FILL = importlib.import_module("outreach.migrations.0003_enrollment_reply_waiting_fill")


def test_the_data_migration_fills_it_from_the_oldest_unhandled_reply(practice):
    enrollment = enroll(ContactFactory(practice=practice))
    quiet = enroll(ContactFactory(practice=practice))
    for minutes, handled in ((30, NOW), (20, None), (10, None)):
        message = Message.objects.create(
            practice=practice,
            contact=enrollment.contact,
            direction="in",
            channel="sms",
            body="Yes",
            handled_at=handled,
        )
        Message.objects.filter(pk=message.pk).update(created_at=NOW - dt.timedelta(minutes=minutes))
    FILL.fill(apps, connection.schema_editor())
    assert waiting_since(enrollment) == NOW - dt.timedelta(minutes=20)
    assert waiting_since(quiet) is None


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_runs_forward_from_before_it(practice):
    executor = MigrationExecutor(connection)
    before = [("outreach", "0002_message_waiting_by_contact")]
    executor.migrate(before)
    try:
        enrollment = enroll(ContactFactory(practice=practice))
        # The table as it was then (later migrations add columns the model has now).
        then = executor.loader.project_state(before).apps.get_model("outreach", "Message")
        then.objects.create(
            practice_id=practice.pk, contact_id=enrollment.contact_id, direction="in", channel="sms"
        )
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        assert waiting_since(enrollment) is not None
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
