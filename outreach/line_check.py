"""The number's line type before the first text (issue 17.7): a pluggable check (Twilio
Lookup v2 ``line_type_intelligence``, or the sandbox's). Called by the send guard."""

from __future__ import annotations

import datetime as dt

from campaigns.models import Touch


def line_hold_reason(touch: Touch, now: dt.datetime) -> tuple[str, str, dt.datetime | None]:
    """("skip" | "hold" | "", reason, until) for a text to a number not yet known to be
    textable; ("", "", None) when it may go."""
    return "", "", None
