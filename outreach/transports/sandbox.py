"""The local default (DESIGN §5): records what would have been sent, reaches no network,
and gives ids shaped like the provider's so the rest of the flow runs unchanged.

Like a provider, it remembers what it accepted (in the cache, for two days, by our
attempt row's id), so the reaper's look-up gets the same answer Twilio would give: the id
of an accepted attempt, or None for one that never reached it (safe to send again). With
the local memory cache each process remembers only its own sends; a look-up from another
process finds none and the touch goes out again — to the sandbox, which sends nothing.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache

from outreach.transports.base import Lookup, Outgoing, Transport

PREFIX = {"sms": "SM", "voicemail": "CA", "call": "CA", "email": "EM"}
REMEMBER_SECONDS = 2 * 24 * 3600


def _key(message_id: int) -> str:
    return f"outreach:sandbox:accepted:{message_id}"


def _sid(channel: str) -> str:
    return f"{PREFIX.get(channel, 'SB')}sandbox{uuid.uuid4().hex[:25]}"


class SandboxTransport(Transport):
    name = "sandbox"

    def send(self, out: Outgoing) -> str:
        # The Message row already holds the body; the sandbox page lists those rows.
        sid = _sid(out.channel)
        cache.set(_key(out.message_id), sid, REMEMBER_SECONDS)
        return sid

    def call_connect(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        # Nobody's phone rings; the call's Message row shows on the sandbox page.
        return _sid("call")

    def call_redirect(self, call_id: str, twiml: str) -> None:
        return None  # no live call to redirect

    def message_fetch(self, lookup: Lookup) -> str | None:
        return cache.get(_key(lookup.message_id))
