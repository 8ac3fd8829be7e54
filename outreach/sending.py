"""Sending a batch of claimed touches (a send task's round, ``outreach.pacing``): the guard
for each, the rate limit, the move to sending with its attempt row committed before any
network call, the sends (several in flight), and what each answer means for the touch.

Every touch goes through the same steps as one sent alone; only the database work is
shared, ``SEND_BATCH`` touches at a time. The reaper (``outreach.dispatch``) settles what a
crash leaves between the steps.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from campaigns.messages import Message as Words
from campaigns.messages import message_for
from campaigns.models import Channel, Outcome, OutcomeKind, Touch, TouchStatus
from campaigns.tone import TemplateError
from outreach.carrier_errors import error_action_apply
from outreach.guard import Action, Verdict, guard_check
from outreach.line_check import lines_prime
from outreach.links import public_url, unsubscribe_token
from outreach.models import Direction, Message, MessageStatus, SenderProfile
from outreach.ratelimit import token_reserve
from outreach.transports import Outgoing, SendError, sandboxed, transport_for
from outreach.validity import text_late_hold, validity_period

logger = logging.getLogger(__name__)

RETRY_BASE = dt.timedelta(minutes=1)
RETRY_MAX = dt.timedelta(hours=1)
UNRENDERABLE = "failed: its words cannot be filled in; fix the step's template"


# Touches loaded, guarded, marked sending and sent together: one query loads them all and
# one transaction writes their attempt rows, instead of a dozen queries per touch. Small,
# so a guard verdict is at most a few sends old when its touch leaves.
SEND_BATCH = 50
_RELATED = (
    "practice",
    "step__sequence",
    "enrollment__contact",
    "enrollment__campaign",
    "enrollment__coordinator",
    "enrollment__practice",
    "enrollment__variant",
)


def touch_load(touch_id: int) -> Touch:
    return Touch.objects.select_related(*_RELATED).get(pk=touch_id)


def touches_load(touch_ids: list[int]) -> dict[int, Touch]:
    touches = (
        Touch.objects.select_related(*_RELATED)
        # What ``message_for`` reads: the step's templates, and the sequence's steps (to
        # find the opener an opener variant replaces).
        .prefetch_related("step__templates", "step__sequence__steps")
        .filter(pk__in=touch_ids)
    )
    return {touch.pk: touch for touch in touches}


def touch_move(touch: Touch, from_status: str, **fields) -> bool:
    """A conditional update: true only if the touch was still in ``from_status``."""
    return bool(Touch.objects.filter(pk=touch.pk, status=from_status).update(**fields))


def _sender(touch: Touch) -> SenderProfile:
    return SenderProfile.objects.filter(practice=touch.practice).first() or SenderProfile(
        practice=touch.practice
    )


def _outgoing(
    touch: Touch, message: Message, sender: SenderProfile, subject: str, now: dt.datetime
) -> Outgoing:
    contact = touch.enrollment.contact
    channel = touch.channel
    email = channel == Channel.EMAIL
    # Only the links the channel uses (reversing and signing cost more than a text's SQL).
    return Outgoing(
        message_id=message.pk,
        channel=channel,
        to=contact.email if email else contact.phone,
        body=message.body,
        subject=subject,
        from_=sender.email_from if email else sender.voice_number or sender.sms_number,
        messaging_service_sid=sender.messaging_service_sid,
        status_callback=(
            ""
            if email
            else public_url(
                "hooks:voice_status" if channel == Channel.VOICEMAIL else "hooks:sms_status"
            )
        ),
        twiml_url=(
            public_url("hooks:voicemail_twiml", message_id=message.pk)
            if channel == Channel.VOICEMAIL
            else ""
        ),
        amd_callback=public_url("hooks:voicemail_amd") if channel == Channel.VOICEMAIL else "",
        unsubscribe_url=(
            public_url("hooks:email_unsubscribe", token=unsubscribe_token(contact)) if email else ""
        ),
        footer=f"{touch.practice.name}\n{touch.practice.postal_address}".strip(),
        validity_period=validity_period(touch, now) if channel == Channel.SMS else None,
    )


def _admit(touch: Touch, now: dt.datetime) -> str:
    """The guard for one loaded touch: "" (send it), else what was done instead."""
    verdict = guard_check(touch, now)
    if verdict.action == Action.SEND and touch.channel == Channel.SMS:
        # A text must expire before the window closes (``outreach.validity``): with under a
        # minute left it waits for the next window instead.
        late = text_late_hold(touch, now)
        if late:
            verdict = Verdict(Action.HOLD, *late)
    if verdict.action == Action.SKIP:
        touch_move(
            touch,
            TouchStatus.CLAIMED,
            status=TouchStatus.SKIPPED,
            reason=verdict.reason,
            receipt=touch.receipt,
        )
        return "skipped"
    if verdict.action == Action.HOLD:
        until = verdict.until or now + dt.timedelta(minutes=15)
        touch_move(
            touch,
            TouchStatus.CLAIMED,
            status=TouchStatus.PLANNED,
            due_at=until,
            reason=verdict.reason,
            receipt=touch.receipt,  # the guard's: what the hold was checked against
        )
        return "held"
    return ""


def _sender_key(touch: Touch, senders: dict[int, SenderProfile]) -> str:
    """The rate limit's bucket: the practice's messaging service, or its number."""
    if touch.practice_id not in senders:
        senders[touch.practice_id] = _sender(touch)
    sender = senders[touch.practice_id]
    return sender.messaging_service_sid or sender.sms_number or str(touch.practice_id)


def touches_send_batch(
    touch_ids: list[int], now: dt.datetime, within: float = 0.0
) -> tuple[dict[int, str], float]:
    """Send what the guard and the rate limit admit of ``touch_ids``, each at its token's
    time (reserved up to ``within`` seconds ahead); returns what happened to each, and,
    when some are "waiting" (no token within ``within``: left claimed, for the caller to
    try again), the seconds until their senders have a token again."""
    loaded = touches_load(touch_ids)
    lines_prime(loaded.values(), now)  # the batch's known line types, in one query
    results: dict[int, str] = {}
    senders: dict[int, SenderProfile] = {}
    admitted: list[tuple[Touch, Words]] = []
    for touch_id in touch_ids:
        touch = loaded.get(touch_id)
        if touch is None or touch.status != TouchStatus.CLAIMED:
            results[touch_id] = "not claimed"  # a redelivered task: already handled (or reaped)
            continue
        try:
            results[touch_id] = _admit(touch, now)
            if not results[touch_id]:
                admitted.append((touch, message_for(touch.enrollment, touch.step)))
        except TemplateError:
            # Words that cannot be filled in fail the same way on every retry: fail the touch
            # (the reaper would otherwise plan it again, forever) and say where to fix them.
            touch_move(touch, TouchStatus.CLAIMED, status=TouchStatus.FAILED, reason=UNRENDERABLE)
            logger.warning(
                "touch %s: step %s has words that cannot be filled in", touch_id, touch.step_id
            )
            results[touch_id] = "failed"
        except Exception:  # one bad touch must not stop the others; the reaper revisits it
            logger.exception("touch %s: send failed", touch_id)
            results[touch_id] = "error"
    # Tokens are taken after the guard (a skipped or held touch spends none) and just
    # before the sends: taken while the guard ran, their times would pass before the
    # first send, and the late ones would leave together, faster than the bucket allows.
    ready: list[tuple[Touch, Words]] = []
    due: dict[int, float] = {}  # touch id -> monotonic time its token is due
    full: dict[str, float] = {}  # senders with no token within ``within``: seconds to one
    for touch, words in admitted:
        key = _sender_key(touch, senders)
        taken, wait = (False, full[key]) if key in full else token_reserve(key, within)
        if not taken:
            full[key] = wait
            results[touch.pk] = "waiting"
            continue
        due[touch.pk] = time.monotonic() + wait
        ready.append((touch, words))
    retry_in = min(full.values(), default=0.0)
    if not ready:
        return results, retry_in

    with transaction.atomic():
        # Conditional, as for one touch: only those still claimed move to sending (the
        # lock orders this against a concurrent reaper or redelivered task).
        claimed = set(
            Touch.objects.select_for_update(of=("self",))
            .filter(pk__in=[touch.pk for touch, _ in ready], status=TouchStatus.CLAIMED)
            .values_list("pk", flat=True)
        )
        ready = [(touch, words) for touch, words in ready if touch.pk in claimed]
        # claimed_at restarts with the attempt: the reaper's "stuck in sending" clock must
        # run from the send, not from the claim, or a touch that waited in a long queue is
        # reconciled (and, if Twilio has no record yet, planned again) while in flight.
        Touch.objects.filter(pk__in=claimed).update(
            status=TouchStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
        )
        # The attempt rows, written before the network calls: a crash after this point is
        # visible and reconciled, never silently resent.
        messages = Message.objects.bulk_create(
            Message(
                practice=touch.practice,
                contact=touch.enrollment.contact,
                touch=touch,
                direction=Direction.OUT,
                channel=touch.channel,
                body=words.body,
                to_number=touch.enrollment.contact.phone if touch.channel != Channel.EMAIL else "",
                status=MessageStatus.SENDING,
                receipt=touch.receipt,  # the guard's: why it was allowed
            )
            for touch, words in ready
        )
    for touch_id in set(touch_ids) - set(results) - claimed:
        results[touch_id] = "not claimed"

    jobs = []
    for (touch, words), message in zip(ready, messages, strict=True):
        touch.claimed_at = now
        outgoing = _outgoing(touch, message, senders[touch.practice_id], words.subject, now)
        jobs.append((touch, message, outgoing, due[touch.pk]))
    sent: list[tuple[Touch, Message, str]] = []
    for (touch, message, _, _), answer in zip(jobs, _transmit(jobs), strict=True):
        if isinstance(answer, SendError):
            results[touch.pk] = _send_failed(touch, message, answer, now)
        elif isinstance(answer, BaseException):  # a bug: left in sending for the reaper
            logger.error("touch %s: send failed", touch.pk, exc_info=answer)
            results[touch.pk] = "error"
        else:
            sent.append((touch, message, answer))
            results[touch.pk] = "sent"
    if sent:
        _sends_succeeded(sent, now)
    return results, retry_in


Job = tuple[Touch, Message, Outgoing, float]  # the last: monotonic time its token is due


def _transmit_one(job: Job) -> str | BaseException:
    touch, _, outgoing, due = job
    # A reserved token is the sender's only from its time on: sending earlier would
    # overdraw the bucket.
    if (early := due - time.monotonic()) > 0:
        time.sleep(early)
    try:
        return transport_for(touch.channel).send(outgoing)
    except Exception as error:  # SendError, or a bug: the caller sorts them out
        return error


_senders: dict[int, ThreadPoolExecutor] = {}


def _transmit(jobs: list[Job]) -> list[str | BaseException]:
    """The provider ids (or errors) of the batch's sends, in order. Several requests are in
    flight at once (``OUTREACH_SEND_THREADS``): a worker otherwise idles while each one crosses the
    network. The threads only talk to the provider; every database write stays here."""
    threads = settings.OUTREACH_SEND_THREADS
    if threads <= 1 or len(jobs) <= 1:
        return [_transmit_one(job) for job in jobs]
    # One pool per process, made in the process that uses it (prefork children fork
    # before any send, and threads do not survive a fork).
    pool = _senders.get(os.getpid())
    if pool is None:
        pool = _senders[os.getpid()] = ThreadPoolExecutor(threads, thread_name_prefix="send")
    return list(pool.map(_transmit_one, jobs))


def _sends_succeeded(sent: list[tuple[Touch, Message, str]], now: dt.datetime) -> None:
    status = MessageStatus.SENT if sandboxed() else MessageStatus.QUEUED
    with transaction.atomic():
        try:
            with transaction.atomic():
                _update_from_values(
                    Message,
                    "provider_id = v.sid, status = %s, status_at = %s",
                    [status, now],
                    [(message.pk, provider_id) for _, message, provider_id in sent],
                )
        except IntegrityError:
            # A status callback for one of these SIDs already arrived and made no row of
            # its own: record the others one by one.
            for touch, message, provider_id in sent:
                try:
                    with transaction.atomic():
                        Message.objects.filter(pk=message.pk).update(
                            provider_id=provider_id, status=status, status_at=now
                        )
                except IntegrityError:
                    logger.warning("touch %s: provider id already recorded", touch.pk)
        # Conditional, as for one touch: only those still in sending (a reaper may have
        # settled one meanwhile).
        _update_from_values(
            Touch,
            "status = %s, sent_at = %s, provider_id = v.sid, reason = ''",
            [TouchStatus.SENT, now],
            [(touch.pk, provider_id) for touch, _, provider_id in sent],
            where="status = %s",
            where_params=[TouchStatus.SENDING],
        )
        contacted_record([touch for touch, _, _ in sent], now)


def _update_from_values(
    model,
    assignments: str,
    params: list,
    rows: list[tuple[int, str]],
    where: str = "",
    where_params: list | None = None,
) -> None:
    """One ``UPDATE … FROM (VALUES (id, sid), …)`` for many rows: ``bulk_update`` builds a
    CASE per field and row, which costs more than the send it records."""
    table = connection.ops.quote_name(model._meta.db_table)
    values = ", ".join(["(%s, %s)"] * len(rows))
    condition = f" AND {table}.{where}" if where else ""
    # Only names and placeholders are formatted in; every value is a parameter.
    sql = (
        f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v (id, sid) "  # noqa: S608
        f"WHERE {table}.id = v.id{condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(x for row in rows for x in row), *(where_params or [])])


def contacted_record(touches: list[Touch], now: dt.datetime) -> None:
    """An enrollment's first touch out is its "contacted" outcome (scoreboard): recorded
    for those of ``touches``' enrollments that have none yet."""
    enrollments = {touch.enrollment_id: touch.enrollment for touch in touches}
    # By enrollment only (a handful of outcomes each), the kind checked here: with "kind"
    # in the query, stale statistics let the planner AND in the (practice, kind, at)
    # index, which reads every "contacted" row of the practice for each batch.
    already = {
        enrollment_id
        for enrollment_id, kind in Outcome.objects.filter(
            enrollment_id__in=enrollments
        ).values_list("enrollment_id", "kind")
        if kind == OutcomeKind.CONTACTED
    }
    # The rows ``outcome_record`` writes, in one insert.
    Outcome.objects.bulk_create(
        Outcome(
            practice_id=enrollment.contact.practice_id,
            contact=enrollment.contact,
            enrollment=enrollment,
            kind=OutcomeKind.CONTACTED,
            at=now,
        )
        for enrollment_id, enrollment in enrollments.items()
        if enrollment_id not in already
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
            touch_move(
                touch,
                TouchStatus.SENDING,
                status=TouchStatus.PLANNED,
                due_at=now + _backoff(attempts),
                reason=f"retrying: {error.message}"[:200],
            )
        return "retry"
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED, error_code=error.code, status_at=now
        )
        touch_move(
            touch,
            TouchStatus.SENDING,
            status=TouchStatus.FAILED,
            reason=f"failed: {error.message}"[:200],
        )
        error_action_apply(touch.enrollment.contact, error.action, touch.enrollment)
    return "failed"
