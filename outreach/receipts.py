"""Receipts (issue 17.4): why each touch was allowed or held, kept with it, and exported.

A receipt is a few short fields, not a copy of the rule table: the action, the recipient's
states, the window in words, the cap count used of its limit, the consent basis and the
rule table's version (the table itself is versioned in the code, so the version says which
statutes the words refer to). A sent touch's receipt is kept on its attempt row
(``Message.receipt``, written in the same insert), a held or skipped touch's on the touch
(``Touch.receipt``, in the same update that moves it): no query of its own.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from django.db.models import Q

from campaigns import state_rules
from campaigns.models import Touch, TouchStatus
from outreach.consent_gate import consent_basis

if TYPE_CHECKING:
    from outreach.guard import Verdict
    from reactivate.models import Practice

COLUMNS = [
    "at",
    "contact_id",
    "touch_id",
    "message_id",
    "channel",
    "action",
    "reason",
    "states",
    "window",
    "cap_used",
    "cap_limit",
    "consent_basis",
    "rules_version",
]


def rules_version() -> str:
    return state_rules.RULES_VERSION


def receipt_of(touch: Touch, verdict: Verdict, at: dt.datetime | None = None) -> dict | None:
    """The compact receipt of a verdict on a touch; None for a skip decided before the
    state rules (enrollment closed, opted out...: its reason says it all)."""
    if not verdict.window:
        return None
    receipt = {
        "a": str(verdict.action),
        "s": ",".join(verdict.states),
        "w": verdict.window,
        "v": rules_version(),
    }
    if verdict.cap_limit is not None:
        receipt["c"] = [verdict.cap_used, verdict.cap_limit]
    basis = consent_basis(touch)
    if basis:
        receipt["b"] = basis
    if at is not None:
        receipt["t"] = at.isoformat(timespec="seconds")
    return receipt


def call_receipt(states: tuple[str, ...], window: str, used: int, limit: int | None) -> dict:
    """A click-to-call's receipt: the cap it was placed under (and any override)."""
    receipt = {"a": "send", "s": ",".join(states), "w": window, "v": rules_version()}
    if limit is not None:
        receipt["c"] = [used, limit]
    return receipt


def _row(
    at, contact_id, touch_id, message_id, channel, reason, receipt: dict | None
) -> dict[str, object]:
    receipt = receipt or {}
    cap = receipt.get("c") or [None, None]
    return {
        "at": at.isoformat(timespec="seconds") if at else "",
        "contact_id": contact_id or "",
        "touch_id": touch_id or "",
        "message_id": message_id or "",
        "channel": channel,
        "action": receipt.get("a", ""),
        "reason": reason,
        "states": receipt.get("s", ""),
        "window": receipt.get("w", ""),
        "cap_used": "" if cap[0] is None else cap[0],
        "cap_limit": "" if cap[1] is None else cap[1],
        "consent_basis": receipt.get("b", ""),
        "rules_version": receipt.get("v", ""),
    }


def receipts_for(
    practice: Practice,
    *,
    contact_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Iterator[dict[str, object]]:
    """The practice's receipts, oldest first: each attempt that went out (texts, calls,
    voicemail, email) and each touch now held, for one patient and/or a time range."""
    from outreach.models import Message

    sent = Message.objects.filter(practice=practice, direction="out", receipt__isnull=False)
    if contact_id is not None:
        sent = sent.filter(contact_id=contact_id)
    if since is not None:
        sent = sent.filter(created_at__gte=since)
    if until is not None:
        sent = sent.filter(created_at__lt=until)
    columns = ("created_at", "contact_id", "touch_id", "pk", "channel", "reason", "receipt")
    for at, contact, touch, pk, channel, reason, receipt in (
        sent.order_by("created_at", "pk").values_list(*columns).iterator(chunk_size=2000)
    ):
        yield _row(at, contact, touch, pk, channel, reason or "sent", receipt)
    held = Touch.objects.filter(
        Q(reason__startswith="held:") | Q(status=TouchStatus.SKIPPED),
        practice=practice,
        receipt__isnull=False,
    )
    if contact_id is not None:
        held = held.filter(enrollment__contact_id=contact_id)
    rows = held.order_by("pk").values_list(
        "pk", "enrollment__contact_id", "channel", "reason", "receipt"
    )
    for pk, contact, channel, reason, receipt in rows.iterator(chunk_size=2000):
        at = dt.datetime.fromisoformat(receipt["t"]) if receipt.get("t") else None
        if at is not None and (
            (since is not None and at < since) or (until is not None and at >= until)
        ):
            continue
        yield _row(at, contact, pk, None, channel, reason, receipt)


def receipts_write(out: IO[str], rows: Iterator[dict[str, object]]) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
