"""A patient's single thread: what was sent and received on every channel, and the
coordinator's own replies (checked like any text: consent, quiet hours, tone)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from campaigns import tone
from campaigns.scheduling import Recipient, SendingRules, hold_reason
from contacts.models import Contact
from outreach.dispatch import public_url
from outreach.models import Direction, Kind, Message, SenderProfile
from outreach.transports import Outgoing, SendError, transport_for


def thread(contact: Contact) -> QuerySet[Message]:
    return Message.objects.filter(contact=contact).select_related("user").order_by("created_at")


def replies_handle(contact: Contact, *, now: dt.datetime | None = None) -> int:
    """The coordinator has dealt with the patient's waiting replies."""
    return Message.objects.filter(
        contact=contact, direction=Direction.IN, handled_at__isnull=True
    ).update(handled_at=now or timezone.now())


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
    if contact.do_not_contact or contact.sms_opt_out_at or not contact.textable:
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
    replies_handle(contact, now=now)
    message.refresh_from_db()
    return message, [f for f in findings if f.severity == tone.Severity.WARNING]
