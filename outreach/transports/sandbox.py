"""The local default (DESIGN §5): records what would have been sent, reaches no network,
and gives ids shaped like the provider's so the rest of the flow runs unchanged."""

from __future__ import annotations

import uuid

from outreach.transports.base import Outgoing

PREFIX = {"sms": "SM", "voicemail": "CA", "call": "CA", "email": "EM"}


class SandboxTransport:
    name = "sandbox"

    def send(self, out: Outgoing) -> str:
        # The Message row already holds the body; the sandbox page lists those rows.
        return f"{PREFIX.get(out.channel, 'SB')}sandbox{uuid.uuid4().hex[:25]}"
