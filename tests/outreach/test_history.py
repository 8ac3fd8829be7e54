"""A merge moves the conversation thread; the contact page shows it."""

import datetime as dt

import pytest

from contacts.dedupe import contact_merge
from contacts.history import history_timeline
from outreach.conversation import thread
from outreach.models import Direction, Message
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def pair(practice):
    fields = {"last_name": "Smith", "date_of_birth": dt.date(1980, 4, 4), "phone": ""}
    return (
        ContactFactory(practice=practice, first_name="Jon", **fields),
        ContactFactory(practice=practice, first_name="John", **fields),
    )


def text(contact, direction, body, **fields):
    return Message.objects.create(
        practice=contact.practice,
        contact=contact,
        direction=direction,
        channel="sms",
        body=body,
        **fields,
    )


def test_a_merge_moves_the_merged_records_messages_into_the_survivors_thread(practice):
    survivor, merged = pair(practice)
    sent = text(survivor, Direction.OUT, "Hi Jon, still thinking about your visit?")
    reply = text(merged, Direction.IN, "Yes, can I come Tuesday?")
    contact_merge(survivor=survivor, merged=merged)
    assert [m.pk for m in thread(survivor)] == [sent.pk, reply.pk]


def test_the_contact_page_timeline_shows_texts_with_their_delivery(practice):
    survivor, merged = pair(practice)
    text(merged, Direction.OUT, "Hi John, it's Harbor Dental.", status="delivered")
    text(merged, Direction.IN, "Call me after 5")
    contact_merge(survivor=survivor, merged=merged)
    entries = {(e.what, e.note) for e in history_timeline(survivor)}
    assert ("Text sent (delivered)", "Hi John, it's Harbor Dental.") in entries
    assert ("Text received", "Call me after 5") in entries
