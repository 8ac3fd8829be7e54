"""The sandbox (DESIGN §5): see what would have been sent, and play the patient.

A simulated reply is posted to our own inbound webhook over HTTP, signed as Twilio signs,
so it runs exactly the code a real reply runs. In sandbox mode, webhooks accept a
signature made with a token derived from SECRET_KEY (Twilio's own token is not set).

It exists only while the messaging backend is the sandbox: with Twilio configured, its
pages answer 404 and ``sandbox_reply`` refuses, since it would sign a forged text with the
real token (a forged START would clear a real patient's STOP, as the patient's own words).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import uuid

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from twilio.request_validator import RequestValidator

from contacts.models import Contact
from outreach.models import SenderProfile
from outreach.transports import sandboxed


def sandbox_token() -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"sandbox-webhooks", hashlib.sha256).hexdigest()


def webhook_token() -> str:
    """The token Twilio webhooks are checked with ('' refuses every request)."""
    if settings.TWILIO_AUTH_TOKEN:
        return settings.TWILIO_AUTH_TOKEN
    return sandbox_token() if settings.MESSAGING_BACKEND == "sandbox" else ""


def sandbox_only(view):
    """The view answers 404 unless the messaging backend is the sandbox."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not sandboxed():
            raise Http404("The sandbox is off: messages go through Twilio.")
        return view(request, *args, **kwargs)

    return wrapped


def sandbox_reply(contact: Contact, body: str) -> int:
    """Post a signed inbound text from ``contact`` to our webhook; returns the HTTP status."""
    if not sandboxed():
        raise PermissionDenied("The sandbox is off: it cannot post texts as a patient.")
    sender, _ = SenderProfile.objects.get_or_create(
        practice_id=contact.practice_id,
        defaults={"sms_number": f"sandbox-{contact.practice_id}"},
    )
    sid = "SMsandbox" + uuid.uuid4().hex[:23]
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "ACsandbox",
        "MessagingServiceSid": sender.messaging_service_sid,
        "From": contact.phone,
        "To": sender.sms_number or f"sandbox-{contact.practice_id}",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    url = settings.PUBLIC_BASE_URL + reverse("hooks:sms_inbound")
    signature = RequestValidator(webhook_token()).compute_signature(url, params)
    response = requests.post(
        url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
    )
    return response.status_code
