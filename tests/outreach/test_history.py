"""A merge moves the conversation thread; the contact page shows it."""

import pytest

from contacts.dedupe import contact_merge
from contacts.history import history_timeline
from outreach.conversation import thread
from outreach.models import Direction, Message
from tests.factories import duplicate_pair

pytestmark = pytest.mark.django_db


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
    survivor, merged = duplicate_pair(practice)
    sent = text(survivor, Direction.OUT, "Hi Jon, still thinking about your visit?")
    reply = text(merged, Direction.IN, "Yes, can I come Tuesday?")
    contact_merge(survivor=survivor, merged=merged)
    assert [m.pk for m in thread(survivor)] == [sent.pk, reply.pk]


def test_the_contact_page_timeline_shows_texts_with_their_delivery(practice):
    survivor, merged = duplicate_pair(practice)
    text(merged, Direction.OUT, "Hi John, it's Harbor Dental.", status="delivered")
    text(merged, Direction.IN, "Call me after 5")
    contact_merge(survivor=survivor, merged=merged)
    entries = {(e.what, e.note) for e in history_timeline(survivor)}
    assert ("Text sent (delivered)", "Hi John, it's Harbor Dental.") in entries
    assert ("Text received", "Call me after 5") in entries
