"""Voicemail drops after answering-machine detection (asynchronous AMD).

On a machine's end of greeting the live call is redirected to the voicemail script (the
words were rendered and stored on the Message row before the call); on a person it is
connected to the practice; when detection is unsure the call ends and the coordinator
gets a call task instead, since a half-played message to a person is worse than none; a
fax marks the number "not a voice line". Each call is acted on once, however often
Twilio posts its result.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.utils import timezone

from campaigns.models import Channel, Touch, TouchStatus
from outreach.inbound import provider_key
from outreach.models import Message, SenderProfile
from outreach.optouts import number_not_voice_mark
from outreach.twilio_client import TRANSPORT_ERRORS, twilio_client

MACHINE = {"machine_end_beep", "machine_end_silence", "machine_end_other"}
HUMAN = {"human"}
FAX = {"fax"}
# Twilio's AnsweredBy values; anything else is treated as "unknown".
KNOWN = MACHINE | HUMAN | FAX | {"machine_start", "unknown"}


def _twiml(*verbs: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"


def amd_result(params: dict[str, str]) -> str:
    """Act on Twilio's AnsweredBy for a voicemail call, once; returns what was done."""
    message = (
        Message.objects.select_related("touch", "practice")
        .filter(provider_id=provider_key(params.get("CallSid", "")))
        .first()
    )
    if message is None:
        return "unknown call"
    answered_by = params.get("AnsweredBy", "") or "unknown"
    answered_by = answered_by if answered_by in KNOWN else "unknown"
    # Conditional, so a replayed (or concurrent) callback finds it taken and does nothing.
    if not Message.objects.filter(pk=message.pk, answered_by="").update(answered_by=answered_by):
        return "already handled"
    if answered_by in MACHINE:
        twiml = _twiml(f"<Say>{escape(message.body)}</Say>", "<Hangup/>")
        result = "voicemail"
    elif answered_by in HUMAN:
        sender = SenderProfile.objects.filter(practice=message.practice).first()
        forward = sender.forward_to if sender else ""
        twiml = _twiml(f"<Dial>{escape(forward)}</Dial>") if forward else _twiml("<Hangup/>")
        result = "connected" if forward else "hung up"
    elif answered_by in FAX:
        # Not a phone a person answers: no call task, and no more calls to the number.
        twiml, result = _twiml("<Hangup/>"), "not a voice line"
        number_not_voice_mark(message.practice_id, message.to_number, via="a fax answered")
    else:
        twiml, result = _twiml("<Hangup/>"), "call task"
        _call_task_for(message)
    try:
        twilio_client().calls(message.provider_id).update(twiml=twiml)
    except TRANSPORT_ERRORS:
        return "call ended"  # the call is already over; nothing left to redirect
    Message.objects.filter(pk=message.pk).update(
        status=f"amd:{result}"[:20], status_at=timezone.now()
    )
    return result


def _call_task_for(message: Message) -> None:
    touch = message.touch
    if touch is None:
        return
    Touch.objects.create(
        practice=touch.practice,
        enrollment=touch.enrollment,
        step=touch.step,
        channel=Channel.CALL,
        due_at=timezone.now(),
        status=TouchStatus.PLANNED,
        reason="voicemail detection was unsure: please call instead",
    )
