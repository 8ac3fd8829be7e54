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

from campaigns.models import Channel, Enrollment, Touch
from campaigns.scheduling import Recipient
from contacts.models import Contact
from outreach.contact_cap import CapCheck, call_over_cap_words, cap_check
from outreach.links import public_url
from outreach.models import Direction, Kind, Message, MessageStatus, SenderProfile
from outreach.optouts import contact_blocked
from outreach.receipts import rules_version
from outreach.transports import SendError, sandboxed, transport_for


class OverCap(ValidationError):
    """The call would go over the contact cap: the coordinator confirms, or not."""

    def __init__(self, check: CapCheck) -> None:
        super().__init__(call_over_cap_words(check))
        self.check = check


def call_cap(contact: Contact, now) -> CapCheck:
    """Where a call to the patient now stands against the cap (the guard's count)."""
    recipient = Recipient.of(contact, contact.practice)
    touch = Touch(
        practice_id=contact.practice_id,
        enrollment=Enrollment(contact=contact),
        channel=Channel.CALL,
    )
    return cap_check(touch, now, recipient)


def call_start(*, contact: Contact, user, confirmed: bool = False) -> Message:
    """Start a click-to-call; returns the call's Message row (raises ValidationError).

    Over the contact cap, it raises ``OverCap`` (with the reason) unless ``confirmed``:
    the coordinator decides, and the view audits the override.
    """
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
    cap = call_cap(contact, timezone.now())
    if cap.reason and not confirmed:
        raise OverCap(cap)
    message = Message.objects.create(
        practice_id=contact.practice_id,
        contact=contact,
        direction=Direction.OUT,
        channel=Channel.CALL,
        kind=Kind.MANUAL,
        to_number=contact.phone,
        from_number=sender.voice_number,
        user=user,
        status=MessageStatus.SENDING,
        receipt=call_receipt(cap, overridden=bool(cap.reason)),
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
            status=MessageStatus.FAILED, error_code=error.code, status_at=timezone.now()
        )
        raise ValidationError(f"The call could not start: {error.message}") from error
    # The sandbox places nothing, so no callback will move it on from "queued".
    status = MessageStatus.SENT if sandboxed() else MessageStatus.QUEUED
    Message.objects.filter(pk=message.pk).update(
        provider_id=sid, status=status, status_at=timezone.now()
    )
    message.provider_id, message.status = sid, status
    return message


def call_receipt(cap: CapCheck, *, overridden: bool) -> dict:
    """The call's receipt: the cap it was placed under, and whether a person overrode it."""
    receipt = {"a": "override" if overridden else "send", "v": rules_version()}
    if cap.limit is not None:
        receipt["c"] = [cap.used, cap.limit]
        receipt["s"] = cap.state
    return receipt


# The patient leg's result, Twilio's DialCallStatus, as the message's status.
PATIENT_STATUS = {
    "completed": MessageStatus.PATIENT_COMPLETED,
    "answered": MessageStatus.PATIENT_ANSWERED,
    "busy": MessageStatus.PATIENT_BUSY,
    "no-answer": MessageStatus.PATIENT_NO_ANSWER,
    "failed": MessageStatus.PATIENT_FAILED,
    "canceled": MessageStatus.PATIENT_CANCELED,
}


def call_result(message_id: int, dial_status: str) -> None:
    """The patient leg's result (DialCallStatus: completed, busy, no-answer, failed...);
    a value Twilio does not document is stored as unknown."""
    status = PATIENT_STATUS.get(dial_status, MessageStatus.PATIENT_UNKNOWN)
    Message.objects.filter(pk=message_id).update(status=status, status_at=timezone.now())
