"""The dispatcher: claim due touches, send each once, and reconcile what a crash left.

planned → claimed (``touches_claim``: ``FOR UPDATE SKIP LOCKED``, so two dispatchers never
claim the same touch) → sending (a conditional update, then a ``Message`` row, both before
any network call) → sent | failed | skipped, or back to planned (held by the guard, or a
retry after a failure Twilio did not accept).

A touch left in ``sending`` (worker killed, timeout, 5xx after Twilio may have accepted it)
is never resent blindly: ``touches_reap`` asks Twilio what was sent to that number since
the claim, and only a touch Twilio has no record of is planned again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from campaigns.messages import message_for
from campaigns.models import CampaignStatus, Channel, OutcomeKind, Touch, TouchStatus
from campaigns.services import outcome_record
from contacts.services import contact_opt_out, contact_sms_unreachable
from outreach.guard import Action, guard_check
from outreach.models import Direction, Message, SenderProfile
from outreach.ratelimit import token_take
from outreach.transports import Outgoing, SendError, sandboxed, transport_for
from outreach.twilio_client import TRANSPORT_ERRORS, twilio_client

logger = logging.getLogger(__name__)

# Call tasks are a coordinator's; everything else goes out by itself.
AUTOMATED = (Channel.SMS, Channel.VOICEMAIL, Channel.EMAIL)
CLAIM_BATCH = 1000
MAX_CLAIM_ROUNDS = 100  # one beat pass claims at most this many batches
RETRY_BASE = dt.timedelta(minutes=1)
RETRY_MAX = dt.timedelta(hours=1)


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def touches_claim(now: dt.datetime, limit: int = CLAIM_BATCH) -> list[int]:
    """Claim up to ``limit`` due touches of running campaigns and queue their sends after
    commit, in tasks of ``OUTREACH_TASK_TOUCHES`` touches each."""
    from outreach.tasks import send_touches

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
            for chunk in _chunks(ids, settings.OUTREACH_TASK_TOUCHES):
                transaction.on_commit(lambda chunk=chunk: send_touches.delay(chunk))
    return ids


def touches_dispatch_due(now: dt.datetime | None = None) -> int:
    """One pass of the dispatcher (what beat runs every minute): reap, then claim."""
    now = now or timezone.now()
    touches_reap(now)
    claimed = 0
    for _ in range(MAX_CLAIM_ROUNDS):
        ids = touches_claim(now)
        claimed += len(ids)
        if len(ids) < CLAIM_BATCH:
            break
    return claimed


# --- Sending one touch -----------------------------------------------------------------


def _load(touch_id: int) -> Touch:
    return Touch.objects.select_related(
        "practice",
        "step__sequence",
        "enrollment__contact",
        "enrollment__campaign",
        "enrollment__coordinator",
        "enrollment__practice",
        "enrollment__variant",
    ).get(pk=touch_id)


def _move(touch: Touch, from_status: str, **fields) -> bool:
    """A conditional update: true only if the touch was still in ``from_status``."""
    return bool(Touch.objects.filter(pk=touch.pk, status=from_status).update(**fields))


def _sender(touch: Touch) -> SenderProfile:
    return SenderProfile.objects.filter(practice=touch.practice).first() or SenderProfile(
        practice=touch.practice
    )


def public_url(name: str, **kwargs) -> str:
    return settings.PUBLIC_BASE_URL + reverse(name, kwargs=kwargs or None)


def _outgoing(touch: Touch, message: Message, sender: SenderProfile, subject: str) -> Outgoing:
    contact = touch.enrollment.contact
    email = touch.channel == Channel.EMAIL
    return Outgoing(
        message_id=message.pk,
        channel=touch.channel,
        to=contact.email if email else contact.phone,
        body=message.body,
        subject=subject,
        from_=sender.email_from if email else sender.voice_number or sender.sms_number,
        messaging_service_sid=sender.messaging_service_sid,
        status_callback=public_url(
            "hooks:voice_status" if touch.channel == Channel.VOICEMAIL else "hooks:sms_status"
        ),
        twiml_url=public_url("hooks:voicemail_twiml", message_id=message.pk),
        amd_callback=public_url("hooks:voicemail_amd"),
        unsubscribe_url=public_url("hooks:email_unsubscribe", token=_unsubscribe_token(contact)),
        footer=f"{touch.practice.name}\n{touch.practice.postal_address}".strip(),
    )


def _unsubscribe_token(contact) -> str:
    from outreach.inbound import unsubscribe_token

    return unsubscribe_token(contact)


def touch_send(touch_id: int, now: dt.datetime | None = None) -> str:
    """Send one claimed touch if the guard allows it now; returns what happened."""
    now = now or timezone.now()
    touch = _load(touch_id)
    if touch.status != TouchStatus.CLAIMED:
        return "not claimed"  # a redelivered task: already handled (or reaped)
    verdict = guard_check(touch, now)
    if verdict.action == Action.SKIP:
        _move(touch, TouchStatus.CLAIMED, status=TouchStatus.SKIPPED, reason=verdict.reason)
        return "skipped"
    if verdict.action == Action.HOLD:
        until = verdict.until or now + dt.timedelta(minutes=15)
        _move(
            touch,
            TouchStatus.CLAIMED,
            status=TouchStatus.PLANNED,
            due_at=until,
            reason=verdict.reason,
        )
        return "held"
    sender = _sender(touch)
    wait = token_take(sender.messaging_service_sid or sender.sms_number or str(touch.practice_id))
    if wait:
        _move(
            touch,
            TouchStatus.CLAIMED,
            status=TouchStatus.PLANNED,
            due_at=now + dt.timedelta(seconds=wait),
        )
        return "rate limited"
    words = message_for(touch.enrollment, touch.step)
    with transaction.atomic():
        if not _move(
            touch, TouchStatus.CLAIMED, status=TouchStatus.SENDING, attempts=F("attempts") + 1
        ):
            return "not claimed"
        # The attempt row, written before the network call: a crash after this point is
        # visible and reconciled, never silently resent.
        message = Message.objects.create(
            practice=touch.practice,
            contact=touch.enrollment.contact,
            touch=touch,
            direction=Direction.OUT,
            channel=touch.channel,
            body=words.body,
            to_number=touch.enrollment.contact.phone if touch.channel != Channel.EMAIL else "",
            status="sending",
        )
    try:
        provider_id = transport_for(touch.channel).send(
            _outgoing(touch, message, sender, words.subject)
        )
    except SendError as error:
        return _send_failed(touch, message, error, now)
    _send_succeeded(touch, message, provider_id, now)
    return "sent"


def _send_succeeded(touch: Touch, message: Message, provider_id: str, now: dt.datetime) -> None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                Message.objects.filter(pk=message.pk).update(
                    provider_id=provider_id,
                    status="sent" if sandboxed() else "queued",
                    status_at=now,
                )
        except IntegrityError:
            # A status callback for this SID already arrived and made no row of its own.
            logger.warning("touch %s: provider id already recorded", touch.pk)
        _move(
            touch,
            TouchStatus.SENDING,
            status=TouchStatus.SENT,
            sent_at=now,
            provider_id=provider_id,
            reason="",
        )
        _contacted(touch, now)


def _contacted(touch: Touch, now: dt.datetime) -> None:
    """The enrollment's first touch out is its "contacted" outcome (scoreboard)."""
    enrollment = touch.enrollment
    if not enrollment.outcomes.filter(kind=OutcomeKind.CONTACTED).exists():
        outcome_record(
            contact=enrollment.contact, enrollment=enrollment, kind=OutcomeKind.CONTACTED, at=now
        )


def _backoff(attempts: int) -> dt.timedelta:
    return min(RETRY_MAX, RETRY_BASE * (2 ** max(0, attempts - 1)))


def _send_failed(touch: Touch, message: Message, error: SendError, now: dt.datetime) -> str:
    if error.maybe_sent:
        # Twilio may hold it: leave the touch in "sending" for the reaper to reconcile.
        Touch.objects.filter(pk=touch.pk).update(
            reason=f"checking with Twilio before any resend: {error.message}"[:200]
        )
        return "unknown"
    if not error.permanent:
        with transaction.atomic():
            message.delete()  # it never left; the retry writes its own attempt row
            attempts = Touch.objects.values_list("attempts", flat=True).get(pk=touch.pk)
            _move(
                touch,
                TouchStatus.SENDING,
                status=TouchStatus.PLANNED,
                due_at=now + _backoff(attempts),
                reason=f"retrying: {error.message}"[:200],
            )
        return "retry"
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status="failed", error_code=error.code, status_at=now
        )
        _move(
            touch,
            TouchStatus.SENDING,
            status=TouchStatus.FAILED,
            reason=f"failed: {error.message}"[:200],
        )
        error_action_apply(touch.enrollment.contact, error.action, touch.enrollment)
    return "failed"


def error_action_apply(contact, action: str, enrollment=None) -> None:
    """What a Twilio error code means for the patient (shared with status callbacks)."""
    if action == "sms_opt_out":
        contact_opt_out(contact, ["sms"], via="carrier: unsubscribed (21610)")
    elif action == "not_textable":
        contact_sms_unreachable(contact, "the carrier says this number cannot receive texts")
        if enrollment is not None:
            _texts_to_email(enrollment)


def _texts_to_email(enrollment) -> None:
    """Switch the enrollment's remaining texts to email, or skip them without one."""
    planned = Touch.objects.filter(
        enrollment=enrollment, status=TouchStatus.PLANNED, channel=Channel.SMS
    )
    contact = enrollment.contact
    if contact.email_valid and not contact.email_opt_out_at:
        planned.update(channel=Channel.EMAIL, reason="texts cannot reach the number: email instead")
    else:
        planned.update(status=TouchStatus.SKIPPED, reason="skipped: texts cannot reach the number")


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
    touch = _load(touch_id)
    message = Message.objects.filter(touch=touch).first()
    if message is None:  # killed between the claim update and the attempt row
        _move(touch, TouchStatus.SENDING, status=TouchStatus.PLANNED, claimed_at=None)
        return "planned"
    if message.provider_id:
        _move(
            touch,
            TouchStatus.SENDING,
            status=TouchStatus.SENT,
            sent_at=message.status_at or now,
            provider_id=message.provider_id,
        )
        return "sent"
    if touch.channel == Channel.EMAIL or sandboxed():
        # Nothing to ask: never resend blindly; the coordinator sees why.
        Message.objects.filter(pk=message.pk).update(status="unknown")
        _move(
            touch,
            TouchStatus.SENDING,
            status=TouchStatus.FAILED,
            reason="unknown whether it was sent; not resent",
        )
        return "unknown"
    try:
        sid = _provider_find(touch, message)
    except TRANSPORT_ERRORS:
        return "unknown"
    if sid:
        Message.objects.filter(pk=message.pk).update(
            provider_id=sid, status="queued", status_at=now
        )
        _move(
            touch,
            TouchStatus.SENDING,
            status=TouchStatus.SENT,
            sent_at=now,
            provider_id=sid,
            reason="",
        )
        _contacted(touch, now)
        return "sent"
    with transaction.atomic():
        message.delete()
        _move(
            touch,
            TouchStatus.SENDING,
            status=TouchStatus.PLANNED,
            claimed_at=None,
            due_at=now,
            reason="",
        )
    return "planned"


def _provider_find(touch: Touch, message: Message) -> str | None:
    """The SID of what Twilio sent to this number since the claim with these words."""
    since = (touch.claimed_at or message.created_at) - dt.timedelta(minutes=1)
    client = twilio_client()
    if touch.channel == Channel.VOICEMAIL:
        records = client.calls.list(to=message.to_number, start_time_after=since, limit=50)
        return records[0].sid if records else None
    # Newest first; a queued message has no date_sent yet, so filter on creation here.
    for record in client.messages.list(to=message.to_number, limit=50):
        if record.date_created and record.date_created >= since and record.body == message.body:
            return record.sid
    return None
