"""No late arrival (issue 17.3): a text expires in Twilio's queue before the recipient's
sending window closes, and an expired text goes back to planned.

A text accepted by Twilio at 20:59 can wait in a sender's queue (its rate, a burst) and
reach the patient after 21:00. Twilio's ``ValidityPeriod`` (1 to 36000 seconds, default
36000; error 90007 outside) drops a message still queued after that long; each text is
sent with the seconds left of the allowed span it leaves in (``campaigns.scheduling.
allowed_until``), less a margin for the way to Twilio. With under a minute left the text is
held to the next window instead: a shorter validity would mostly expire.

A dropped message comes back as a status callback ``failed`` with error 30036 ("Validity
Period Expired"), or 30001 ("Queue overflow": queued past Twilio's own 10 hours). Neither
left Twilio, so the touch is planned again at the next allowed minute and the guard checks
it anew (window, cap, consent): the same touch, a new attempt. Its expired attempt row is
kept, failed with its reason, in the patient's thread.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from campaigns import scheduling
from campaigns.models import Touch, TouchStatus

logger = logging.getLogger(__name__)

MAX_VALIDITY = 36000  # seconds: Twilio's maximum (and its default)
MIN_VALIDITY = 60  # seconds: less, and the text is held to the next window
# Between the guard's "now" and Twilio's clock starting: the send task's wait for its
# token (at most ``outreach.pacing.TOKEN_WAIT``, 1 s) and the request itself.
MARGIN = dt.timedelta(seconds=5)
# Codes of a message Twilio dropped from its queue unsent.
EXPIRED_CODES = {30001: "queue overflow", 30036: "validity period expired"}
# A text that keeps expiring is a sender without the throughput for its volume: after
# this many expired attempts the touch fails, for a person to look at, not a loop.
MAX_EXPIRED = 3

_DEADLINE = "_text_deadline"  # left on the touch by ``text_late_hold`` for ``validity_period``


def _rules(touch: Touch) -> tuple[scheduling.SendingRules, scheduling.Recipient]:
    contact = touch.enrollment.contact
    return (
        scheduling.SendingRules.of(touch.practice),
        scheduling.Recipient.of(contact, touch.practice),
    )


# The allowed span last found per (rules, recipient): (from, until). Every instant in
# [from, until) lies in that span, so a batch's texts to the same zone and states reuse it
# instead of searching the calendar again (the search costs more than a text's SQL).
_SPANS: dict[tuple, tuple[dt.datetime, dt.datetime]] = {}
_SPANS_MAX = 2048


def _allowed_until(
    now: dt.datetime, rules: scheduling.SendingRules, recipient: scheduling.Recipient
) -> dt.datetime | None:
    key = (rules, recipient)
    span = _SPANS.get(key)
    if span is not None and span[0] <= now < span[1]:
        return span[1]
    deadline = scheduling.allowed_until(now, rules, recipient)
    if deadline is not None:
        if len(_SPANS) >= _SPANS_MAX:
            _SPANS.clear()
        _SPANS[key] = (now, deadline)
    return deadline


def _seconds_left(deadline: dt.datetime, now: dt.datetime) -> int:
    return int((deadline - now - MARGIN).total_seconds())


def text_late_hold(touch: Touch, now: dt.datetime) -> tuple[str, dt.datetime] | None:
    """(reason, until) when a text the guard allows at ``now`` has under a minute left of
    its window; None when it may go (its deadline is then left for ``validity_period``)."""
    rules, recipient = _rules(touch)
    deadline = _allowed_until(now, rules, recipient)
    setattr(touch, _DEADLINE, deadline)
    if deadline is None or _seconds_left(deadline, now) >= MIN_VALIDITY:
        return None
    until = scheduling.next_allowed(deadline, rules, recipient)
    local = until.astimezone(recipient.zone)
    closes = deadline.astimezone(recipient.zone)
    return (
        f"held: the window closes at {closes:%H:%M} in {recipient.zone.key}, too soon for a "
        f"text to arrive in time; moved to {local:%A %H:%M}",
        until,
    )


def validity_period(touch: Touch, now: dt.datetime) -> int | None:
    """The ``ValidityPeriod`` of a text leaving at ``now`` (seconds, 60 to 36000), from the
    deadline ``text_late_hold`` found; None for other channels or when there is none."""
    deadline = getattr(touch, _DEADLINE, None)
    if deadline is None:
        return None
    return max(MIN_VALIDITY, min(MAX_VALIDITY, _seconds_left(deadline, now)))


def reply_validity_period(contact, now: dt.datetime) -> int | None:
    """The ``ValidityPeriod`` of a coordinator's reply leaving at ``now`` (it leaves only
    inside the patient's window, ``outreach.conversation``): it expires when the window
    closes, like a sequence's text. None when ``now`` is outside every window."""
    practice = contact.practice
    rules, recipient = (
        scheduling.SendingRules.of(practice),
        scheduling.Recipient.of(contact, practice),
    )
    deadline = _allowed_until(now, rules, recipient)
    if deadline is None:
        return None
    return max(MIN_VALIDITY, min(MAX_VALIDITY, _seconds_left(deadline, now)))


def text_expired(message, touch, code: int | None) -> bool:
    """A status callback's ``failed`` with an expiry code: plan the touch again (True), or
    False when this is not an expiry (the caller handles the failure as usual). Runs in
    the callback's transaction, the message row locked."""
    if code not in EXPIRED_CODES or touch is None:
        return False
    now = timezone.now()
    cause = EXPIRED_CODES[code]
    with transaction.atomic():
        attempts = Touch.objects.filter(pk=touch.pk).values_list("attempts", flat=True).first() or 0
        # The attempt row stays, failed, in the thread; it no longer stands for the touch,
        # whose next attempt writes its own (a touch has one current attempt row).
        type(message).objects.filter(pk=message.pk).update(
            touch=None, reason=f"not delivered: expired in Twilio's queue ({cause}, {code})"
        )
        sent = Touch.objects.filter(
            pk=touch.pk,
            status__in=[TouchStatus.SENT, TouchStatus.DELIVERED],
            provider_id=message.provider_id,
        )
        if attempts >= MAX_EXPIRED:
            sent.update(
                status=TouchStatus.FAILED,
                reason=f"failed: expired in Twilio's queue {attempts} times ({code}); "
                "not sent again: the sender's throughput is short of its volume"[:200],
            )
            return True
        touch = Touch.objects.select_related("practice", "enrollment__contact").get(pk=touch.pk)
        rules, recipient = _rules(touch)
        try:
            due = scheduling.next_allowed(now, rules, recipient)
        except (ValueError, RuntimeError):
            due = now  # no window at all: the guard holds it with its own words
        local = due.astimezone(recipient.zone)
        moved = sent.update(
            status=TouchStatus.PLANNED,
            due_at=due,
            claimed_at=None,
            sent_at=None,
            provider_id=None,
            reason=f"held: expired in Twilio's queue before it could arrive ({code}); "
            f"planned again for {local:%A %H:%M}"[:200],
        )
    if moved:
        logger.info("touch %s: expired in Twilio's queue (%s); planned again", touch.pk, code)
    return True
