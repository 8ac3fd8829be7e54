"""Click-to-call: ring the coordinator's phone first; when they press 1, dial the patient
with the practice's caller id. The patient's number never appears in a URL: TwiML
endpoints take our Message id, and the number is read from the database.

The call's result (answered, busy, no answer) comes back through the Dial action callback.
The call is placed through the "call" transport, so in the sandbox nobody's phone rings
and the attempt is recorded as placed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts.models import Contact
from outreach.dispatch import public_url
from outreach.models import Direction, Kind, Message, SenderProfile
from outreach.optouts import contact_blocked
from outreach.transports import SendError, sandboxed, transport_for


def call_start(*, contact: Contact, user) -> Message:
    """Start a click-to-call; returns the call's Message row (raises ValidationError)."""
    if (
        not contact.phone_valid
        or contact.call_opt_out_at
        or contact.do_not_contact
        or contact_blocked(contact, "call")  # the number opted out, or is not a voice line
    ):
        raise ValidationError("This patient cannot be called.")
    if not user.phone:
        raise ValidationError("Add your own phone number to your profile to place calls.")
    sender = SenderProfile.objects.filter(practice_id=contact.practice_id).first()
    if sender is None or not sender.voice_number:
        raise ValidationError("The practice has no caller id set up for calls.")
    message = Message.objects.create(
        practice_id=contact.practice_id,
        contact=contact,
        direction=Direction.OUT,
        channel="call",
        kind=Kind.MANUAL,
        to_number=contact.phone,
        from_number=sender.voice_number,
        user=user,
        status="sending",
    )
    try:
        sid = transport_for("call").call_connect(
            to=user.phone,
            from_=sender.voice_number,
            url=public_url("hooks:call_press1", message_id=message.pk),
            status_callback=public_url("hooks:voice_status"),
        )
    except SendError as error:
        # The attempt row stays, failed: the thread shows the call that did not start.
        Message.objects.filter(pk=message.pk).update(
            status="failed", error_code=error.code, status_at=timezone.now()
        )
        raise ValidationError(f"The call could not start: {error.message}") from error
    # The sandbox places nothing, so no callback will move it on from "queued".
    status = "sent" if sandboxed() else "queued"
    Message.objects.filter(pk=message.pk).update(
        provider_id=sid, status=status, status_at=timezone.now()
    )
    message.provider_id, message.status = sid, status
    return message


def call_result(message_id: int, dial_status: str) -> None:
    """The patient leg's result (DialCallStatus: completed, busy, no-answer, failed...)."""
    Message.objects.filter(pk=message_id).update(
        status=f"patient:{dial_status}"[:20], status_at=timezone.now()
    )
