"""The send guard's verdict for a hypothetical touch (``guard_explain``, DESIGN §7).

No second implementation: an unsaved contact, enrollment and touch are built in memory and
handed to the guard's own rules (``outreach.guard.guard_verdict``), the dispatcher's code.
What is real is read from the database as the dispatcher reads it: the number's opt-outs
and blocks, the practice's window and, without ``history``, the attempts to that number.
The line-type check is left out: it may ask a provider, and explaining must not.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Enrollment,
    State,
    Step,
    Touch,
)
from contacts.models import Contact
from contacts.phones import phone_normalize
from outreach.guard import guard_verdict
from reactivate.models import Practice

CHANNELS = (Channel.SMS, Channel.CALL, Channel.VOICEMAIL, Channel.EMAIL)
BUCKET = "inquiry"


class ExplainError(ValueError):
    """Bad input, in one line for the person who typed it."""


@dataclass(frozen=True)
class Setting:
    """What every hypothetical touch of one practice and channel shares (built once)."""

    practice: Practice
    channel: str
    campaign: Campaign
    step: Step


def explain_setting(practice: Practice, channel: str) -> Setting:
    if channel not in CHANNELS:
        raise ExplainError(f"--channel must be one of {', '.join(CHANNELS)}, not {channel!r}.")
    campaign = Campaign(practice=practice, status=CampaignStatus.RUNNING)
    # The practice's own step on that channel, so the consent gate reads its template's
    # purpose; a practice with no sequence yet gets a step with no templates.
    step = (
        Step.objects.filter(sequence__practice=practice, channel=channel)
        .prefetch_related("templates")
        .order_by("sequence_id", "day", "position")
        .first()
    )
    if step is None:
        step = Step(pk=0, day=1, channel=channel, name="hypothetical")
        step._prefetched_objects_cache = {"templates": []}  # never saved: nothing to read
    return Setting(practice, channel, campaign, step)


def parse_phone(raw: str) -> tuple[str, str]:
    """(E.164, its time zone) of ``raw``, which must be an E.164 number."""
    result = phone_normalize(raw)
    if not raw.startswith("+") or not result.valid:
        raise ExplainError(f"--phone must be a valid E.164 number (like +13055550123): {raw!r}.")
    return result.e164, result.time_zone


def parse_at(raw: str) -> dt.datetime:
    try:
        at = dt.datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ExplainError(f"--at must be an ISO 8601 instant, not {raw!r}.") from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise ExplainError(f"--at needs a time zone offset (e.g. {raw}Z or {raw}-05:00).")
    return at.astimezone(dt.UTC)


def parse_history(raw: str | None) -> list[dt.datetime] | None:
    """``--contact-history``: a JSON list of ISO 8601 instants (None: read the database)."""
    if raw is None:
        return None
    try:
        items = json.loads(raw)
    except ValueError:
        raise ExplainError("--contact-history must be JSON: a list of ISO 8601 instants.") from None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ExplainError("--contact-history must be a JSON list of ISO 8601 instants.")
    try:
        return [parse_at(item) for item in items]
    except ExplainError as error:
        raise ExplainError(f"--contact-history: {error}".replace("--at ", "")) from None


def parse_state(raw: str | None) -> str:
    state = (raw or "").strip().upper()
    if state and (len(state) != 2 or not state.isalpha()):
        raise ExplainError(f"--state must be a two-letter US state code, not {raw!r}.")
    return state


def explain(
    setting: Setting,
    phone: str,
    zone: str,
    state: str,
    at: dt.datetime,
    history: list[dt.datetime] | None,
) -> dict:
    """The guard's verdict for a touch on ``setting``'s channel to ``phone`` at ``at``."""
    practice = setting.practice
    contact = Contact(
        practice=practice,
        phone=phone,
        phone_valid=True,
        state=state,
        time_zone=zone,
        # Email is asked about the number's person: the address is taken as valid.
        email_valid=setting.channel == Channel.EMAIL,
    )
    enrollment = Enrollment(
        practice=practice,
        campaign=setting.campaign,
        contact=contact,
        bucket=BUCKET,
        state=State.ACTIVE,
    )
    touch = Touch(
        practice=practice,
        enrollment=enrollment,
        step=setting.step,
        channel=setting.channel,
        due_at=at,
    )
    verdict = guard_verdict(touch, at, history=history, lookups=False)
    return {
        "action": str(verdict.action),
        "reason": verdict.reason,
        "until": verdict.until.astimezone(dt.UTC).isoformat() if verdict.until else None,
        "states": list(verdict.states),
        "window": verdict.window,
        "cap_used": verdict.cap_used,
        "cap_limit": verdict.cap_limit,
    }
