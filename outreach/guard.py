"""The send guard (DESIGN §4): checked for every touch at send time, not only when planned.

The answer is send, hold (with the next allowed time) or skip, with a reason in words the
coordinator sees on the touch. Rules are checked in order; the first that applies wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone

from campaigns.models import CampaignStatus, Channel, State, Touch
from campaigns.scheduling import (
    Recipient,
    SendingRules,
    hold_reason,
    next_allowed,
    window_words,
)
from outreach.consent_gate import consent_hold_reason
from outreach.contact_cap import cap_admitted, cap_check
from outreach.line_check import line_hold_reason
from outreach.models import AddressBlock, BlockKind
from outreach.optouts import contact_blocked
from outreach.receipts import receipt_of


class Action(StrEnum):
    SEND = "send"
    HOLD = "hold"
    SKIP = "skip"


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str = ""
    until: dt.datetime | None = None
    # What the touch was checked against, for its receipt (``outreach.receipts``) and
    # ``guard_explain``: empty when an earlier rule decided before the state rules ran.
    states: tuple[str, ...] = ()
    window: str = ""
    cap_used: int | None = None
    cap_limit: int | None = None


SEND = Verdict(Action.SEND)
OPT_OUT_FIELD = {
    Channel.SMS: "sms_opt_out_at",
    Channel.CALL: "call_opt_out_at",
    Channel.VOICEMAIL: "call_opt_out_at",
    Channel.EMAIL: "email_opt_out_at",
}
CHANNEL_WORDS = {
    Channel.SMS: "texts",
    Channel.CALL: "calls",
    Channel.VOICEMAIL: "calls",
    Channel.EMAIL: "email",
}


def _reachable(touch: Touch) -> str:
    """Why the channel cannot reach the patient, or ''."""
    contact = touch.enrollment.contact
    if touch.channel == Channel.EMAIL:
        return "" if contact.email_valid else "no valid email address"
    if not contact.phone_valid:
        return "no valid phone number"
    if touch.channel == Channel.SMS and contact.sms_unreachable:
        return f"texts cannot reach this number ({contact.sms_unreachable})"
    return ""


def _block_reason(block: AddressBlock, channel: str) -> str:
    what = "number" if block.channel != "email" else "email address"
    if block.kind == BlockKind.NOT_VOICE:
        return f"skipped: the {what} is not a voice line ({block.via})"
    return f"skipped: this {what} opted out of {CHANNEL_WORDS[channel]} on {block.at:%Y-%m-%d}" + (
        f" ({block.via})" if block.via else ""
    )


def guard_check(touch: Touch, now: dt.datetime) -> Verdict:
    """May this touch go out now? ``touch`` must come with enrollment, campaign, contact
    and practice loaded (see ``outreach.dispatch``). The verdict's receipt is left on
    ``touch.receipt`` for the dispatcher to store with the hold or the attempt row."""
    verdict = guard_verdict(touch, now)
    # A held touch's receipt says when it was checked; a sent one's attempt row does.
    touch.receipt = receipt_of(touch, verdict, None if verdict.action == Action.SEND else now)
    if verdict.action == Action.SEND:
        cap_admitted(touch, now)
    return verdict


def guard_verdict(
    touch: Touch,
    now: dt.datetime,
    *,
    history: list[dt.datetime] | None = None,
    lookups: bool = True,
) -> Verdict:
    """The guard's rules, in order; the first that applies wins. ``history``: instants of
    earlier contacts counted by the cap instead of the database (``guard_explain``);
    ``lookups=False`` leaves out the line-type check, which may ask a provider."""
    enrollment = touch.enrollment
    contact, campaign = enrollment.contact, enrollment.campaign
    if enrollment.state != State.ACTIVE:
        return Verdict(Action.SKIP, f"skipped: enrollment {State(enrollment.state).label.lower()}")
    if campaign.status == CampaignStatus.STOPPED:
        return Verdict(Action.SKIP, "skipped: campaign stopped")
    if campaign.status != CampaignStatus.RUNNING:
        return Verdict(Action.HOLD, "held: campaign paused", None)
    if contact.do_not_contact:
        return Verdict(Action.SKIP, "skipped: do not contact")
    # The practice's schedule says the patient booked (DESIGN §4): checked here too, for a
    # touch claimed before the booking reached its enrollment.
    if contact.next_appointment and contact.next_appointment >= timezone.localdate(
        now, touch.practice.time_zone
    ):
        day = contact.next_appointment
        return Verdict(Action.SKIP, f"skipped: upcoming appointment on {day:%a} {day.day} {day:%b}")
    opted_out = getattr(contact, OPT_OUT_FIELD[touch.channel])
    if opted_out:
        via = getattr(contact, OPT_OUT_FIELD[touch.channel].replace("_at", "_via"))
        return Verdict(
            Action.SKIP,
            f"skipped: opted out of {CHANNEL_WORDS[touch.channel]} on {opted_out:%Y-%m-%d}"
            + (f" ({via})" if via else ""),
        )
    # The number's or address's own opt-out: a family member's STOP, or a STOP before this
    # patient was added with the same number.
    block = contact_blocked(contact, touch.channel)
    if block is not None:
        return Verdict(Action.SKIP, _block_reason(block, touch.channel))
    unreachable = _reachable(touch)
    if unreachable:
        return Verdict(Action.SKIP, f"skipped: {unreachable}")
    # Consent on record (a marketing message needs a written basis).
    consent = consent_hold_reason(touch)
    if consent:
        return Verdict(Action.HOLD, consent, None)
    rules, recipient = SendingRules.of(touch.practice), Recipient.of(contact, touch.practice)
    checked = {
        "states": recipient.states,
        "window": window_words(now, rules, recipient),
    }
    reason = hold_reason(now, rules, recipient)
    if reason:
        return Verdict(Action.HOLD, reason, next_allowed(now, rules, recipient), **checked)
    # Calls, texts and voicemail together, per person and per number, under the cap.
    cap = cap_check(touch, now, recipient, history)
    checked.update(cap_used=cap.used if cap.limit is not None else None, cap_limit=cap.limit)
    if cap.reason:
        return Verdict(Action.HOLD, cap.reason, cap.until, **checked)
    # A text only to a number known to take texts (a landline is learned before, not after).
    if touch.channel == Channel.SMS and lookups:
        action, why, until = line_hold_reason(touch, now)
        if action:
            return Verdict(Action(action), why, until, **checked)
    return Verdict(Action.SEND, **checked)
