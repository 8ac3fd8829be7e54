"""Channel transports behind one interface (``base.Transport``), chosen by settings:
``MESSAGING_BACKEND`` is "sandbox" unless Twilio credentials are set. Every provider
request (sends, click-to-call, call redirects, the reaper's look-ups) goes through one."""

from __future__ import annotations

from django.conf import settings

from campaigns.models import Channel
from outreach.transports.base import Lookup, Outgoing, SendError, Transport
from outreach.transports.email import EmailTransport
from outreach.transports.sandbox import SandboxTransport
from outreach.transports.sms import TwilioSmsTransport
from outreach.transports.voice import TwilioCallTransport, TwilioVoicemailTransport

__all__ = ["Lookup", "Outgoing", "SendError", "Transport", "sandboxed", "transport_for"]


def sandboxed() -> bool:
    return settings.MESSAGING_BACKEND == "sandbox"


def transport_for(channel: str) -> Transport:
    """The transport of ``channel`` ("call" is click-to-call: a coordinator's call)."""
    if channel == Channel.EMAIL:
        return EmailTransport()  # the sandbox email backend is Django's console/locmem
    if sandboxed():
        return SandboxTransport()
    if channel == Channel.SMS:
        return TwilioSmsTransport()
    if channel == Channel.VOICEMAIL:
        return TwilioVoicemailTransport()
    if channel == Channel.CALL:
        return TwilioCallTransport()
    raise ValueError(f"No transport for {channel}")
