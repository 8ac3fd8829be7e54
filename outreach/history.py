"""Outreach's part of a patient's history (registered with ``contacts.history``): the one
conversation thread moves with a merge and shows on the contact page."""

from __future__ import annotations

from collections.abc import Iterator

from campaigns.models import Enrollment
from contacts.history import TimelineEntry
from contacts.models import Contact
from outreach.conversation import oldest_waiting
from outreach.models import Direction, Message

NOTE_CHARS = 140
WHAT = {
    ("sms", Direction.OUT): "Text sent",
    ("sms", Direction.IN): "Text received",
    ("email", Direction.OUT): "Email sent",
    ("email", Direction.IN): "Email received",
    ("call", Direction.OUT): "Call placed",
    ("call", Direction.IN): "Call received",
    ("voicemail", Direction.OUT): "Voicemail left",
}


def messages_merge(merged: Contact, survivor: Contact) -> None:
    """The merged record's messages join the survivor's thread (a patient has one)."""
    Message.objects.filter(contact=merged.pk).update(contact=survivor.pk)
    # Both records' enrollments (all the survivor's once the merge is done, whichever
    # app's part of it runs first) now wait on the one thread's oldest unhandled reply.
    Enrollment.objects.filter(contact_id__in=[merged.pk, survivor.pk]).update(
        reply_waiting_since=oldest_waiting(survivor.pk)
    )


def messages_timeline(contact_ids: list[int]) -> Iterator[TimelineEntry]:
    for message in Message.objects.filter(contact_id__in=contact_ids).order_by():
        what = WHAT.get((message.channel, message.direction)) or (
            f"{message.get_channel_display()} {message.get_direction_display().lower()}"
        )
        if message.direction == Direction.OUT:
            what += f" ({message.get_status_display().lower()})"
        body = message.body
        if len(body) > NOTE_CHARS:
            body = body[: NOTE_CHARS - 1] + "…"
        yield TimelineEntry(message.created_at, what, body)
