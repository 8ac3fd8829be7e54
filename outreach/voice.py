"""Voicemail drops after answering-machine detection (asynchronous AMD).

On a machine's end of greeting the live call is redirected to the voicemail script (the
words were rendered and stored on the Message row before the call); on a person it is
connected to the practice; when detection is unsure the call ends and the coordinator
gets a call task instead, since a half-played message to a person is worse than none; a
fax marks the number "not a voice line". Each call is acted on once, however often
Twilio posts its result.

The redirect goes through the voicemail transport (the sandbox has no live call to
redirect), and the TwiML is built with the SDK's ``VoiceResponse``, which escapes the
script's words.
"""

from __future__ import annotations

from django.utils import timezone
from twilio.twiml.voice_response import VoiceResponse

from campaigns.models import Channel
from outreach.inbound import provider_key, touch_step_again
from outreach.models import Message, MessageStatus, SenderProfile
from outreach.optouts import number_not_voice_mark
from outreach.transports import SendError, transport_for

MACHINE = {"machine_end_beep", "machine_end_silence", "machine_end_other"}
HUMAN = {"human"}
FAX = {"fax"}
# Twilio's AnsweredBy values; anything else is treated as "unknown".
KNOWN = MACHINE | HUMAN | FAX | {"machine_start", "unknown"}
# What was done, as the message's status.
AMD_STATUS = {
    "voicemail": MessageStatus.AMD_VOICEMAIL,
    "connected": MessageStatus.AMD_CONNECTED,
    "hung up": MessageStatus.AMD_HUNG_UP,
    "not a voice line": MessageStatus.AMD_NOT_VOICE,
    "call task": MessageStatus.AMD_CALL_TASK,
}


def _hang_up(say: str = "") -> str:
    response = VoiceResponse()
    if say:
        response.say(say)
    response.hangup()
    return response.to_xml()


def _connect(number: str) -> str:
    response = VoiceResponse()
    response.dial(number)
    return response.to_xml()


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
        twiml = _hang_up(say=message.body)
        result = "voicemail"
    elif answered_by in HUMAN:
        sender = SenderProfile.objects.filter(practice=message.practice).first()
        forward = sender.forward_to if sender else ""
        twiml = _connect(forward) if forward else _hang_up()
        result = "connected" if forward else "hung up"
    elif answered_by in FAX:
        # Not a phone a person answers: no call task, and no more calls to the number.
        twiml, result = _hang_up(), "not a voice line"
        number_not_voice_mark(message.practice_id, message.to_number, via="a fax answered")
    else:
        twiml, result = _hang_up(), "call task"
        _call_task_for(message)
    try:
        transport_for(Channel.VOICEMAIL).call_redirect(message.provider_id, twiml)
    except SendError:
        return "call ended"  # the call is already over; nothing left to redirect
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(status=AMD_STATUS[result], status_at=now)
    return result


def _call_task_for(message: Message) -> None:
    if message.touch is not None:
        touch_step_again(
            message.touch,
            channel=Channel.CALL,
            due_at=timezone.now(),
            reason="voicemail detection was unsure: please call instead",
        )
