"""One interface for every channel. Every request to a provider goes through it, so the
sandbox stands in for all of them (no code path reaches Twilio's client directly, and
none fails in the sandbox for want of credentials):

- ``send``: one prepared ``Outgoing`` (its attempt row written first); the provider's id;
- ``call_connect``: ring a phone and play ``url``'s TwiML (click-to-call's first leg);
- ``call_redirect``: give a live call new TwiML (voicemail after machine detection);
- ``message_fetch``: what the provider accepted for an attempt whose answer was lost (the
  reaper's look-up before any resend); its id, or None when it has no record.

Each raises ``SendError`` (``permanent`` when retrying cannot help, ``maybe_sent`` when
the provider may have accepted it anyway), never the vendor's own exceptions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from outreach.twilio_client import SendError

__all__ = ["Lookup", "Outgoing", "SendError", "Transport"]


@dataclass(frozen=True)
class Outgoing:
    message_id: int  # our Message row, written before the send
    channel: str
    to: str  # E.164 number or email address
    body: str
    subject: str = ""
    from_: str = ""  # caller id / email sender
    messaging_service_sid: str = ""
    status_callback: str = ""  # absolute URL
    twiml_url: str = ""  # voice: what the call plays (absolute URL)
    amd_callback: str = ""  # voicemail: answering-machine result (absolute URL)
    unsubscribe_url: str = ""  # email: one-click List-Unsubscribe
    footer: str = ""  # email: the practice's postal address
    # sms: seconds the provider may keep it queued before dropping it unsent, so it cannot
    # arrive after the recipient's window closes (``outreach.validity``); None: no limit.
    validity_period: int | None = None


@dataclass(frozen=True)
class Lookup:
    """An attempt whose outcome is unknown: our row, and what the provider can match on."""

    message_id: int
    channel: str
    to: str
    body: str
    since: dt.datetime  # the attempt started after this


class Transport:
    """What a channel cannot do raises: it is a bug to ask (e.g. to redirect an email)."""

    name = "transport"

    def send(self, out: Outgoing) -> str:
        raise NotImplementedError(f"{self.name} cannot send")

    def call_connect(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        raise NotImplementedError(f"{self.name} cannot place calls")

    def call_redirect(self, call_id: str, twiml: str) -> None:
        raise NotImplementedError(f"{self.name} cannot redirect calls")

    def message_fetch(self, lookup: Lookup) -> str | None:
        raise NotImplementedError(f"{self.name} cannot look up what it sent")
