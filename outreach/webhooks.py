"""Twilio and email webhooks. CSRF-exempt (Twilio cannot send our token) but signed:
each Twilio request's ``X-Twilio-Signature`` is checked against ``PUBLIC_BASE_URL`` plus
the full path and the untouched POST parameters (``build_absolute_uri()`` would see the
proxy's internal host, not the URL Twilio signed). A bad signature gets 403 and nothing
is recorded.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from campaigns.models import Channel
from outreach import calls, inbound, transcripts, voice
from outreach.models import Message
from outreach.sandbox import webhook_token
from outreach.tasks import revocation_confirmation_queue

logger = logging.getLogger(__name__)
TWIML = "text/xml; charset=utf-8"


def twilio_signed(view):
    @csrf_exempt
    @require_POST
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        url = settings.PUBLIC_BASE_URL + request.get_full_path()
        signature = request.headers.get("X-Twilio-Signature", "")
        token = webhook_token()
        if not token or not RequestValidator(token).validate(url, request.POST, signature):
            logger.warning("rejected a Twilio webhook with a bad signature: %s", request.path)
            return HttpResponseForbidden("Bad signature.")
        return view(request, *args, **kwargs)

    return wrapped


# PostgreSQL text cannot hold NUL: one in a Body or From made the insert fail with a 500,
# which Twilio retries, forever. It becomes U+FFFD, so the patient's words stay visible.
_NUL = "\x00"


def _params(request: HttpRequest) -> dict[str, str]:
    return {
        key.replace(_NUL, ""): request.POST.get(key, "").replace(_NUL, "\ufffd")
        for key in request.POST
    }


def twiml(response: VoiceResponse | MessagingResponse) -> HttpResponse:
    """The SDK's builders write the TwiML: they escape every text and attribute."""
    return HttpResponse(response.to_xml(), content_type=TWIML)


@twilio_signed
def sms_inbound(request: HttpRequest) -> HttpResponse:
    _message, answer = inbound.inbound_sms_receive(_params(request))
    response = MessagingResponse()
    if answer:
        response.message(answer)
    return twiml(response)


@twilio_signed
def voicemail_twiml(request: HttpRequest, message_id: int) -> HttpResponse:
    """While detection listens: a short pause (the AMD callback redirects the call)."""
    response = VoiceResponse()
    response.pause(length=30)
    response.hangup()
    return twiml(response)


@twilio_signed
def call_press1(request: HttpRequest, message_id: int) -> HttpResponse:
    """The coordinator picked up: press 1 to be connected to the patient."""
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1, action=reverse("hooks:call_connect", kwargs={"message_id": message_id})
    )
    gather.say("Press 1 to call the patient.")
    response.say("No key pressed. Goodbye.")
    return twiml(response)


@twilio_signed
def call_connect(request: HttpRequest, message_id: int) -> HttpResponse:
    message = Message.objects.filter(pk=message_id, channel=Channel.CALL).first()
    response = VoiceResponse()
    if message is None or request.POST.get("Digits") != "1":
        response.say("Goodbye.")
        response.hangup()
        return twiml(response)
    dial = response.dial(
        caller_id=message.from_number,
        action=reverse("hooks:call_result", kwargs={"message_id": message_id}),
    )
    dial.number(message.to_number)
    return twiml(response)


@twilio_signed
def call_result(request: HttpRequest, message_id: int) -> HttpResponse:
    calls.call_result(message_id, _params(request).get("DialCallStatus") or "unknown")
    response = VoiceResponse()
    response.hangup()
    return twiml(response)


def acknowledged(handle: Callable[[dict[str, str]], object]):
    """A Twilio callback answered only with "received" (204): signed, its parameters
    handed to ``handle``."""

    @twilio_signed
    @functools.wraps(handle)
    def view(request: HttpRequest) -> HttpResponse:
        handle(_params(request))
        return HttpResponse(status=204)

    return view


def _transcript_receive(params: dict[str, str]) -> None:
    """A voicemail's transcript: a stop request in it revokes consent
    (``outreach.transcripts``), and the confirmation it owes is queued."""
    _, confirmation = transcripts.transcript_receive(params)
    revocation_confirmation_queue(confirmation)


# A text's or a call's status callback (both URLs: the same fields, the same update).
status_callback = acknowledged(inbound.message_status_update)
voicemail_amd = acknowledged(voice.amd_result)
voice_transcript = acknowledged(_transcript_receive)


@csrf_exempt
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058): mail clients POST; a person clicking GETs a page
    with a button, so link scanners that fetch URLs never unsubscribe anyone."""
    if request.method == "POST":
        done = inbound.email_unsubscribe(token)
        return render(
            request, "outreach/unsubscribed.html", {"done": done}, status=200 if done else 400
        )
    return render(request, "outreach/unsubscribe.html", {"token": token})
