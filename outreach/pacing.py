"""A send task's pace: send its touches as fast as the sender's token bucket allows, for a
bounded time, and hand what is left to a follow-up task.

Before, a touch that found the bucket empty went back to planned until the next beat pass,
a minute away: a task of 50 sent the bucket's burst and gave the other 48 back, so a
practice allowed 10 texts a second sent about 25 a minute. Now a task reserves the
sender's next tokens when they come within ``TOKEN_WAIT`` seconds and sends each at its
token's time, round after round, so the bucket is used as it refills. A worker is never
held for long: after ``OUTREACH_SEND_TASK_SECONDS`` the touches still waiting are handed,
still claimed, to a follow-up task that the send task queues on commit
(``outreach.tasks``). The follow-up goes to the back of the queue, so other practices'
tasks take their turn, and no ETA is used (a day-N touch never waits in the broker; see
the broker's visibility timeout in settings).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.utils import timezone

from campaigns.models import Touch, TouchStatus
from outreach.sending import SEND_BATCH, touches_send_batch

logger = logging.getLogger(__name__)

# How far ahead a task reserves its sender's tokens (and so sleeps before a send, at most).
# Short, so one task cannot take a minute of a shared sender's tokens from the others.
TOKEN_WAIT = 1.0


def touches_send(
    touch_ids: list[int], now: dt.datetime | None = None, budget: float | None = None
) -> dict[int, str]:
    """Send claimed touches (a send task's, ``outreach.tasks.send_touches``), each on its
    own terms, at the sender's rate; returns what happened to each: "sent", "skipped",
    "held", "retry", "failed", "unknown" (left in sending for the reaper), "handed back"
    (still claimed, to a follow-up task: no token came within the time budget), "not
    claimed" (already handled, e.g. a redelivered task) or "error" (a bug: the touch is
    left claimed or sending, and the reaper settles it).

    Every touch still goes through the same steps as one sent alone: the guard at send
    time, the rate limit, then a conditional move from claimed to sending with its attempt
    row committed before any network call, and a conditional move to sent afterwards.
    Only the database work is shared, ``SEND_BATCH`` touches at a time
    (``outreach.sending``). Rounds of at most ``SEND_BATCH`` touches, the touches still
    waiting for tokens first, until all are settled or ``budget`` seconds (default
    ``OUTREACH_SEND_TASK_SECONDS``) have passed; the rest are handed back
    (``touches_hand_back``), and the caller queues their follow-up task."""
    budget = settings.OUTREACH_SEND_TASK_SECONDS if budget is None else budget
    deadline = time.monotonic() + budget
    results: dict[int, str] = {}
    pending = list(touch_ids)
    while pending:
        left = deadline - time.monotonic()
        batch, rest = pending[:SEND_BATCH], pending[SEND_BATCH:]
        try:
            done, retry_in = touches_send_batch(
                batch, now or timezone.now(), max(0.0, min(TOKEN_WAIT, left))
            )
        except Exception:  # one bad batch must not stop the others; the reaper revisits it
            logger.exception("touches %s..%s: send failed", batch[0], batch[-1])
            done, retry_in = dict.fromkeys(batch, "error"), 0.0
        results.update(done)
        waiting = [touch_id for touch_id in batch if done[touch_id] == "waiting"]
        pending = waiting + rest
        if not waiting:
            continue
        if len(waiting) == len(batch):
            # Nothing sent this round (other tasks hold the sender's next tokens): sleep
            # until one is free rather than ask Redis in a loop.
            if time.monotonic() + retry_in >= deadline:
                break
            time.sleep(retry_in)
        elif time.monotonic() >= deadline:
            break
    if pending:
        for touch_id in pending:
            results[touch_id] = "handed back"
        touches_hand_back(pending)
    return results


def touches_hand_back(touch_ids: list[int]) -> None:
    """Restamp the claim of touches handed to a follow-up task, so the reaper's "stale
    claim" clock runs from the hand-back and does not plan them again while the follow-up
    waits its turn in the queue."""
    Touch.objects.filter(pk__in=touch_ids, status=TouchStatus.CLAIMED).update(
        claimed_at=timezone.now()
    )
