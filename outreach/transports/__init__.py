"""Channel transports behind one interface (``base.Transport``), chosen by settings:
``MESSAGING_BACKEND`` is "sandbox" unless Twilio credentials are set."""

from __future__ import annotations

from django.conf import settings

from campaigns.models import Channel
from outreach.transports.base import Outgoing, SendError, Transport
from outreach.transports.email import EmailTransport
from outreach.transports.sandbox import SandboxTransport
from outreach.transports.sms import TwilioSmsTransport
from outreach.transports.voice import TwilioVoicemailTransport

__all__ = ["Outgoing", "SendError", "Transport", "sandboxed", "transport_for"]


def sandboxed() -> bool:
    return settings.MESSAGING_BACKEND == "sandbox"


def transport_for(channel: str) -> Transport:
    if channel == Channel.EMAIL:
        return EmailTransport()  # the sandbox email backend is Django's console/locmem
    if sandboxed():
        return SandboxTransport()
    if channel == Channel.SMS:
        return TwilioSmsTransport()
    if channel == Channel.VOICEMAIL:
        return TwilioVoicemailTransport()
    raise ValueError(f"{channel} touches are done by a coordinator, not sent")
