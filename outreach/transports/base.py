"""One interface for every channel: a transport sends one prepared ``Outgoing`` and
returns the provider's id, or raises ``SendError`` (``permanent`` when retrying cannot
help, ``maybe_sent`` when the provider may have accepted it anyway)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from outreach.twilio_client import SendError

__all__ = ["Outgoing", "SendError", "Transport"]


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


class Transport(Protocol):
    name: str

    def send(self, out: Outgoing) -> str: ...
