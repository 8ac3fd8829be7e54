"""What a carrier's error code means for the patient: shared by a send that failed at once
and a status callback reporting a failure later (``outreach.twilio_client.ERROR_ACTIONS``
maps the codes to these actions)."""

from __future__ import annotations

from campaigns.models import Channel, Touch, TouchStatus
from contacts.services import contact_opt_out, contact_sms_unreachable
from outreach.optouts import address_opt_out


def error_action_apply(contact, action: str, enrollment=None) -> None:
    """What a Twilio error code means for the patient (shared with status callbacks)."""
    if action == "sms_opt_out":
        # The carrier reports the number's STOP: it covers everyone at the number.
        contact_opt_out(contact, ["sms"], via="carrier: unsubscribed (21610)")
        if contact.phone:
            address_opt_out(
                contact.practice_id,
                ["sms"],
                phone=contact.phone,
                via="carrier: unsubscribed (21610)",
            )
    elif action == "not_textable":
        contact_sms_unreachable(contact, "the carrier says this number cannot receive texts")
        if enrollment is not None:
            _texts_to_email(enrollment)


def _texts_to_email(enrollment) -> None:
    """Switch the enrollment's remaining texts to email, or skip them without one."""
    planned = Touch.objects.filter(
        enrollment=enrollment, status=TouchStatus.PLANNED, channel=Channel.SMS
    )
    contact = enrollment.contact
    if contact.email_valid and not contact.email_opt_out_at:
        planned.update(channel=Channel.EMAIL, reason="texts cannot reach the number: email instead")
    else:
        planned.update(status=TouchStatus.SKIPPED, reason="skipped: texts cannot reach the number")
