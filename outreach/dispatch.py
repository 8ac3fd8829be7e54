"""The dispatcher: claim due touches, send each once, and reconcile what a crash left.

planned → claimed (``touches_claim``: ``FOR UPDATE SKIP LOCKED``, so two dispatchers never
claim the same touch) → sending (a conditional update, then a ``Message`` row, both before
any network call) → sent | failed | skipped, or back to planned (held by the guard, or a
retry after a failure Twilio did not accept). The send is a send task's
(``outreach.pacing.touches_send``, a batch at a time ``outreach.sending``); this module
claims and reaps.

A touch left in ``sending`` (worker killed, timeout, 5xx after Twilio may have accepted it)
is never resent blindly: ``touches_reap`` asks Twilio what was sent to that number since
the claim, and only a touch Twilio has no record of is planned again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction

from campaigns.models import CampaignStatus, Channel, Touch, TouchStatus
from outreach.models import Message, MessageStatus
from outreach.sending import contacted_record, touch_load, touch_move
from outreach.transports import Lookup, SendError, transport_for

logger = logging.getLogger(__name__)

# Call tasks are a coordinator's; everything else goes out by itself.
AUTOMATED = (Channel.SMS, Channel.VOICEMAIL, Channel.EMAIL)
CLAIM_BATCH = 1000
MAX_CLAIM_ROUNDS = 100  # one beat pass claims at most this many batches


def touches_claim(now: dt.datetime, limit: int = CLAIM_BATCH) -> list[int]:
    """Claim up to ``limit`` due touches of running campaigns; returns their ids, for the
    caller to queue their sends once the claim has committed (``outreach.tasks``)."""
    with transaction.atomic():
        due = (
            Touch.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=TouchStatus.PLANNED,
                due_at__lte=now,
                channel__in=AUTOMATED,
                enrollment__campaign__status=CampaignStatus.RUNNING,
            )
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        ids = list(due)
        if ids:
            Touch.objects.filter(pk__in=ids).update(status=TouchStatus.CLAIMED, claimed_at=now)
    return ids


# --- Reaping and reconciliation ----------------------------------------------------------


def touches_reap(now: dt.datetime) -> dict[str, int]:
    """Return stale claims to planned, and reconcile touches stuck in sending."""
    stale_claim = now - dt.timedelta(minutes=settings.OUTREACH_CLAIM_STALE_MINUTES)
    returned = Touch.objects.filter(status=TouchStatus.CLAIMED, claimed_at__lt=stale_claim).update(
        status=TouchStatus.PLANNED, claimed_at=None
    )
    stale_sending = now - dt.timedelta(minutes=settings.OUTREACH_SENDING_STALE_MINUTES)
    stuck = Touch.objects.filter(status=TouchStatus.SENDING, claimed_at__lt=stale_sending)
    results = {"returned": returned, "sent": 0, "planned": 0, "unknown": 0}
    for touch_id in stuck.values_list("pk", flat=True)[:500]:
        results[touch_reconcile(touch_id, now)] += 1
    return results


def touch_reconcile(touch_id: int, now: dt.datetime) -> str:
    """Settle a touch left in "sending": sent (Twilio has it), planned (Twilio has no
    record: safe to send again), or unknown (cannot ask now: try on the next pass)."""
    touch = touch_load(touch_id)
    message = Message.objects.filter(touch=touch).first()
    if message is None:  # killed between the claim update and the attempt row
        touch_move(touch, TouchStatus.SENDING, status=TouchStatus.PLANNED, claimed_at=None)
        return "planned"
    sid, sent_at = message.provider_id, message.status_at or now
    if not sid:
        if touch.channel == Channel.EMAIL:
            # Nothing to ask: never resend blindly; the coordinator sees why.
            Message.objects.filter(pk=message.pk).update(status=MessageStatus.UNKNOWN)
            touch_move(
                touch,
                TouchStatus.SENDING,
                status=TouchStatus.FAILED,
                reason="unknown whether it was sent; not resent",
            )
            return "unknown"
        try:
            sid = _provider_find(touch, message)
        except SendError:
            return "unknown"
        if not sid:
            with transaction.atomic():
                message.delete()
                touch_move(
                    touch,
                    TouchStatus.SENDING,
                    status=TouchStatus.PLANNED,
                    claimed_at=None,
                    due_at=now,
                    reason="",
                )
            return "planned"
        sent_at = now
    # Sent: what the send would have recorded (the attempt's provider id, the touch's
    # move, its enrollment's "contacted"), whichever part of it a crash left undone.
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, provider_id__isnull=True).update(
            provider_id=sid, status=MessageStatus.QUEUED, status_at=now
        )
        touch_move(
            touch,
            TouchStatus.SENDING,
            status=TouchStatus.SENT,
            sent_at=sent_at,
            provider_id=sid,
            reason="",
        )
        contacted_record([touch], now)
    return "sent"


def _provider_find(touch: Touch, message: Message) -> str | None:
    """The id of what the provider (Twilio, or the sandbox) accepted for this attempt: sent
    to this number since the claim with these words."""
    since = (touch.claimed_at or message.created_at) - dt.timedelta(minutes=1)
    lookup = Lookup(message.pk, touch.channel, message.to_number, message.body, since)
    return transport_for(touch.channel).message_fetch(lookup)
