"""The contact cap across channels (issue 17.2): calls, texts and voicemail drops to one
person and to one number count together against the strictest cap of their states.
Called by the send guard, by click-to-call and by ``guard_explain``.

What counts is what was attempted, not what was planned: outgoing ``Message`` rows (the
dispatcher writes one before each send, click-to-call one before each call) by this
contact or to this number (family members share one), in the rolling 24 hours before the
check. Our reactivation messages are one subject, so a per-subject cap counts them all.
Opt-out confirmations and HELP answers are answers the law asks of us, not solicitations:
they do not count.

One query per checked touch, and only for a recipient whose states have a cap (the
``message_cap`` index: practice, number, time). Touches the guard let through in this
process whose attempt row is not written yet (the dispatcher writes a batch's rows after
guarding the whole batch) are remembered here for a few minutes, so 50 family members due
at the same minute do not all pass on the same count.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q

from campaigns import state_rules
from campaigns.models import Channel, Touch
from campaigns.scheduling import Recipient
from outreach.models import Direction, Kind, Message, MessageStatus

WINDOW = dt.timedelta(hours=24)
COUNTED_CHANNELS = (Channel.SMS, Channel.CALL, Channel.VOICEMAIL)
# Answers the law requires (or the patient asked for), not contacts on our subject.
NOT_COUNTED_KINDS = (Kind.CONFIRMATION, Kind.HELP)
# A coordinator's reply saved for the window is not an attempt until it goes (canceled,
# or refused when it was due, it never did).
NOT_ATTEMPTED = (MessageStatus.PLANNED, MessageStatus.CANCELED, MessageStatus.NOT_SENT)
# How long a let-through touch is remembered before its attempt row must exist.
PENDING_FOR = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class CapCheck:
    """What the cap said: ``reason`` '' when the contact fits."""

    reason: str = ""
    until: dt.datetime | None = None
    used: int = 0
    limit: int | None = None
    state: str = ""  # the state whose cap is the strictest

    def as_tuple(self) -> tuple[str, dt.datetime | None, int, int | None]:
        return self.reason, self.until, self.used, self.limit


def recipient_cap(recipient: Recipient) -> tuple[int | None, str]:
    """(the strictest cap per rolling 24 h of the recipient's states, the state it is)."""
    rules = recipient.rules
    return rules.cap, (rules.cap_by or "") if rules.cap is not None else ""


def law_words(state: str) -> tuple[str, str]:
    """(the state's name, its statute) for a hold's words, from the rule table."""
    try:
        rule = state_rules.rule(state)
    except KeyError:
        return state or "this state", ""
    return rule.name, rule.cite or rule.statute or ""


# --- What was attempted -------------------------------------------------------------------


def attempts(
    practice_id: int, contact_id: int | None, phone: str, now: dt.datetime
) -> list[tuple[dt.datetime, int | None]]:
    """(when, touch id) of the counted attempts to this person or number since 24 h
    before ``now``: one indexed query."""
    who = Q(to_number=phone) if phone else Q(pk__in=[])
    if contact_id is not None:
        who |= Q(contact_id=contact_id)
    rows = (
        Message.objects.filter(
            who,
            practice_id=practice_id,
            direction=Direction.OUT,
            channel__in=COUNTED_CHANNELS,
            # No upper bound: an attempt written after ``now`` (another worker's, in
            # flight) counts too.
            created_at__gt=now - WINDOW,
        )
        .exclude(kind__in=NOT_COUNTED_KINDS)
        .exclude(status__in=NOT_ATTEMPTED)
        .values_list("created_at", "touch_id")
    )
    return list(rows)


_pending: dict[tuple[int, str], dict[int, dt.datetime]] = {}
_pending_lock = threading.Lock()


def _pending_key(practice_id: int, contact_id: int | None, phone: str) -> list[tuple[int, str]]:
    keys = [(practice_id, f"n:{phone}")] if phone else []
    if contact_id is not None:
        keys.append((practice_id, f"c:{contact_id}"))
    return keys


def cap_admitted(touch: Touch, now: dt.datetime) -> None:
    """Remember a touch the guard let through until its attempt row exists."""
    contact = touch.enrollment.contact
    with _pending_lock:
        for key in _pending_key(touch.practice_id, contact.pk, contact.phone):
            _pending.setdefault(key, {})[touch.pk] = now


def _pending_for(
    practice_id: int, contact_id: int | None, phone: str, now: dt.datetime
) -> dict[int, dt.datetime]:
    found: dict[int, dt.datetime] = {}
    with _pending_lock:
        for key in _pending_key(practice_id, contact_id, phone):
            entries = _pending.get(key)
            if not entries:
                continue
            for touch_id, at in list(entries.items()):
                if not now - PENDING_FOR < at <= now + PENDING_FOR:
                    del entries[touch_id]  # its row exists by now, or it went back
                else:
                    found[touch_id] = at
            if not entries:
                del _pending[key]
    return found


# --- The rule -----------------------------------------------------------------------------


def cap_rule(
    instants: Iterable[dt.datetime],
    now: dt.datetime,
    limit: int | None,
    state: str = "",
    channel: str = Channel.SMS,
) -> CapCheck:
    """The cap over plain values: earlier contacts' instants, the cap and its state. The
    dispatcher's check and ``guard_explain`` both end here."""
    if limit is None or channel not in COUNTED_CHANNELS:
        return CapCheck(limit=limit, state=state)
    counted = sorted(t for t in instants if t > now - WINDOW)
    used = len(counted)
    if used < limit:
        return CapCheck(used=used, limit=limit, state=state)
    # The contact fits again once enough of the oldest leave the window: when only
    # ``limit - 1`` remain inside it.
    until = counted[used - limit] + WINDOW
    name, statute = law_words(state)
    law = f"{name}'s limit" + (f" ({statute})" if statute else "")
    reason = f"held: {used} calls and texts to this number in 24 hours, {law}; moved to {{moved}}"
    return CapCheck(reason=reason, until=until, used=used, limit=limit, state=state)


def cap_check(
    touch: Touch,
    now: dt.datetime,
    recipient: Recipient,
    history: Sequence[dt.datetime] | None = None,
) -> CapCheck:
    """The cap for one touch: ``history`` (instants of earlier contacts, as
    ``guard_explain`` is given them) instead of the database when given."""
    limit, state = recipient_cap(recipient)
    if limit is None or touch.channel not in COUNTED_CHANNELS:
        return CapCheck(limit=limit, state=state)
    if history is None:
        contact = touch.enrollment.contact
        rows = attempts(touch.practice_id, contact.pk, contact.phone, now)
        seen = {touch_id for _, touch_id in rows if touch_id is not None}
        instants = [at for at, touch_id in rows if touch_id != touch.pk or touch_id is None]
        pending = _pending_for(touch.practice_id, contact.pk, contact.phone, now)
        instants += [at for tid, at in pending.items() if tid not in seen and tid != touch.pk]
    else:
        instants = list(history)
    check = cap_rule(instants, now, limit, state, touch.channel)
    if check.reason and check.until is not None:
        zone = recipient.zone
        moved = check.until.astimezone(zone)
        check = CapCheck(
            reason=check.reason.format(moved=f"{moved:%a} {moved:%H:%M}"),
            until=check.until,
            used=check.used,
            limit=check.limit,
            state=check.state,
        )
    return check


def cap_hold(
    touch: Touch, now: dt.datetime, recipient: Recipient
) -> tuple[str, dt.datetime | None, int, int | None]:
    """(reason, until, used, limit): reason '' when the touch fits under the cap."""
    return cap_check(touch, now, recipient).as_tuple()


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def call_over_cap_words(check: CapCheck) -> str:
    """What a coordinator reads before an extra click-to-call (the call would be next)."""
    name, _ = law_words(check.state)
    return (
        f"This would be the {ordinal(check.used + 1)} call or text to this number in 24 "
        f"hours; {name} allows {check.limit}."
    )
