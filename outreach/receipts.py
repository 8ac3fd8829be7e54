"""Receipts (issue 17.4): why each touch was allowed or held, kept with it, and exported.

A receipt is a few short fields, not a copy of the rule table: the action, the recipient's
states, the window in words, the cap count used of its limit, the consent basis and the
rule table's version (the table itself is versioned in the code, so the version says which
statutes the words refer to). A sent touch's receipt is kept on its attempt row
(``Message.receipt``, written in the same insert), a held or skipped touch's on the touch
(``Touch.receipt``, in the same update that moves it): no query of its own.

The consent basis is not read at send time (two queries a touch, a tenth of the
dispatcher's time): the consent record is append-only and dated, so the export reads the
basis each message went out on from it, as of the message's time, in two queries for the
whole export (``_bases``), the same reading as ``contacts.consent.consent_basis``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from django.db.models import Q

from campaigns import state_rules
from campaigns.models import Touch, TouchStatus
from contacts.models import ConsentBasis, ConsentEvent, ConsentKind, ImportRow
from outreach.models import Direction, Message

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
        "_at": at,
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
    sent = Message.objects.filter(practice=practice, direction=Direction.OUT, receipt__isnull=False)
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


def _bases(rows: list[dict[str, object]]) -> None:
    """Fill each row's consent basis as of its time, from the consent record: the latest
    grant by then, else "existing_patient" for a patient who came in an import."""
    ids = {row["contact_id"] for row in rows if row["contact_id"]}
    grants: dict[int, list[tuple[dt.datetime, str]]] = {}
    for contact, at, basis in (
        ConsentEvent.objects.filter(contact_id__in=ids, kind=ConsentKind.GRANTED)
        .order_by("at", "id")
        .values_list("contact_id", "at", "basis")
    ):
        grants.setdefault(contact, []).append((at, basis))
    imported = set(
        ImportRow.objects.filter(contact_id__in=ids).values_list("contact_id", flat=True)
    )
    for row in rows:
        if row["consent_basis"] or not row["contact_id"]:
            continue
        when = row["_at"]
        history = grants.get(row["contact_id"], [])
        given = [basis for at, basis in history if when is None or at <= when]
        if given:
            row["consent_basis"] = given[-1]
        elif row["contact_id"] in imported:
            row["consent_basis"] = ConsentBasis.EXISTING_PATIENT


def receipts_write(out: IO[str], rows: Iterator[dict[str, object]]) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for page in _pages(rows, 2000):
        _bases(page)
        writer.writerows(page)
        count += len(page)
    return count


def _pages(rows: Iterator[dict[str, object]], size: int) -> Iterator[list[dict[str, object]]]:
    page: list[dict[str, object]] = []
    for row in rows:
        page.append(row)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page
