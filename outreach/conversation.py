"""A patient's single thread: what was sent and received on every channel, and the
coordinator's own replies (checked like any text: consent, quiet hours, tone)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Exists, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from campaigns import tone
from campaigns.models import OPEN_STATES, Enrollment
from campaigns.scheduling import Recipient, SendingRules, hold_reason
from contacts.models import Contact
from outreach.dispatch import public_url
from outreach.models import Direction, Kind, Message, SenderProfile
from outreach.optouts import contact_blocked
from outreach.transports import Outgoing, SendError, transport_for


def thread(contact: Contact) -> QuerySet[Message]:
    return Message.objects.filter(contact=contact).select_related("user").order_by("created_at")


def _waiting(**where) -> QuerySet[Message]:
    return Message.objects.filter(direction=Direction.IN, handled_at__isnull=True, **where)


def oldest_waiting(contact) -> Subquery:
    """When ``contact``'s (an id or an OuterRef) oldest unhandled reply came."""
    return Subquery(_waiting(contact=contact).order_by("created_at").values("created_at")[:1])


def replies_waiting_by_contact(contact_ids: list[int]) -> dict[int, dt.datetime]:
    """When each contact's oldest unhandled reply came (contacts with none left out)."""
    rows = (
        _waiting(contact_id__in=contact_ids)
        .order_by()
        .values("contact_id")
        .annotate(since=Min("created_at"))
        .values_list("contact_id", "since")
    )
    return dict(rows)


def replies_waiting_mark(message: Message) -> int:
    """An inbound message waits for a coordinator: its contact's enrollments show a reply
    waiting since it came, unless an older one waits already."""
    return Enrollment.objects.filter(
        contact_id=message.contact_id, reply_waiting_since__isnull=True
    ).update(reply_waiting_since=message.created_at)


def replies_waiting_sync(contact_ids: list[int]) -> int:
    """Set these contacts' enrollments' ``reply_waiting_since`` from their messages: the
    oldest unhandled reply, or None."""
    return Enrollment.objects.filter(contact_id__in=contact_ids).update(
        reply_waiting_since=oldest_waiting(OuterRef("contact"))
    )


def replies_waiting_reconcile() -> int:
    """Put right the open enrollments whose ``reply_waiting_since`` disagrees with the
    messages; returns how many patients it resynced. Beat runs it every few minutes.

    The services keep the column as replies come and go, but a reply that arrives while
    its patient is being enrolled (each transaction misses the other's row), or while a
    deploy runs the old code after the fill migration, would leave it empty: the reply
    would never reach the work queue. Both sets are small and indexed: the waiting
    replies, and the enrollments marked waiting."""
    waiting = _waiting(contact=OuterRef("contact_id"))
    missing = _waiting(
        contact__enrollments__state__in=OPEN_STATES,
        contact__enrollments__reply_waiting_since__isnull=True,
    ).values_list("contact_id", flat=True)
    stale = (
        Enrollment.objects.filter(state__in=OPEN_STATES, reply_waiting_since__isnull=False)
        .exclude(Exists(waiting))
        .values_list("contact_id", flat=True)
    )
    contact_ids = sorted(set(missing) | set(stale))
    if contact_ids:
        replies_waiting_sync(contact_ids)
    return len(contact_ids)


def replies_handle(contact_id: int, *, now: dt.datetime | None = None) -> int:
    """The coordinator has dealt with the patient's waiting replies."""
    handled = _waiting(contact_id=contact_id).update(handled_at=now or timezone.now())
    # From the messages, not None: a reply that came meanwhile still waits.
    replies_waiting_sync([contact_id])
    return handled


def reply_send(
    contact: Contact, body: str, *, user, now: dt.datetime | None = None
) -> tuple[Message, list[tone.Finding]]:
    """Text the patient the coordinator's own words. Raises ValidationError with the
    reason when it may not go now; returns the message and the tone warnings."""
    now = now or timezone.now()
    body = body.strip()
    findings = tone.tone_check(body, channel="sms")
    if not body or tone.blocking(findings):
        raise ValidationError("Write the reply without {placeholders}.")
    if (
        contact.do_not_contact
        or contact.sms_opt_out_at
        or not contact.textable
        or contact_blocked(contact, "sms")  # the number opted out (a family member's STOP)
    ):
        raise ValidationError("This patient cannot be texted (opted out or no textable number).")
    practice = contact.practice
    held = hold_reason(now, SendingRules.of(practice), Recipient.of(contact, practice))
    if held:
        raise ValidationError(f"Not now: {held.removeprefix('held: ')}.")
    sender = SenderProfile.objects.filter(practice=practice).first() or SenderProfile()
    message = Message.objects.create(
        practice=practice,
        contact=contact,
        direction=Direction.OUT,
        channel="sms",
        kind=Kind.MANUAL,
        body=body,
        to_number=contact.phone,
        user=user,
        status="sending",
    )
    outgoing = Outgoing(
        message_id=message.pk,
        channel="sms",
        to=contact.phone,
        body=body,
        from_=sender.sms_number,
        messaging_service_sid=sender.messaging_service_sid,
        status_callback=public_url("hooks:sms_status"),
    )
    try:
        sid = transport_for("sms").send(outgoing)
    except SendError as error:
        Message.objects.filter(pk=message.pk).update(status="failed", error_code=error.code)
        raise ValidationError(f"The text was not sent: {error.message}") from error
    Message.objects.filter(pk=message.pk).update(provider_id=sid, status="queued", status_at=now)
    replies_handle(contact.pk, now=now)
    message.refresh_from_db()
    return message, [f for f in findings if f.severity == tone.Severity.WARNING]
