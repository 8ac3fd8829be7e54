"""The outreach's background work. Services never queue tasks themselves: they return what
is to be sent, and the callers here (and the views and webhooks, through the ``*_queue``
helpers) queue it once the work that produced it has committed."""

from __future__ import annotations

import datetime as dt

from celery import current_task, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from outreach.conversation import planned_replies_send_due, replies_waiting_reconcile
from outreach.dispatch import CLAIM_BATCH, MAX_CLAIM_ROUNDS, touches_claim, touches_reap
from outreach.models import Message
from outreach.pacing import touches_send
from outreach.revocation import confirmation_send


def touches_dispatch_due(now: dt.datetime | None = None) -> int:
    """One pass of the dispatcher (what beat runs every minute): reap, then claim, each
    round's sends queued once its claim has committed, in tasks of
    ``OUTREACH_TASK_TOUCHES`` touches each. Returns how many touches were claimed."""
    now = now or timezone.now()
    touches_reap(now)
    claimed = 0
    for _ in range(MAX_CLAIM_ROUNDS):
        ids = touches_claim(now)
        size = settings.OUTREACH_TASK_TOUCHES
        for chunk in (ids[i : i + size] for i in range(0, len(ids), size)):
            transaction.on_commit(lambda chunk=chunk: send_touches.delay(chunk))
        claimed += len(ids)
        if len(ids) < CLAIM_BATCH:
            break
    return claimed


@shared_task
def dispatch_due() -> int:
    return touches_dispatch_due()


@shared_task
def replies_reconcile() -> int:
    return replies_waiting_reconcile()


@shared_task
def send_touches(touch_ids: list[int]) -> dict[str, int]:
    """Send claimed touches at their senders' rate, for at most
    ``OUTREACH_SEND_TASK_SECONDS``, handing the rest to a follow-up task (acks late,
    rejected on worker loss: a redelivered task skips touches already past "claimed")."""
    results: dict[str, int] = {}
    handed_back = []
    for touch_id, result in touches_send(touch_ids).items():
        results[result] = results.get(result, 0) + 1
        if result == "handed back":
            handed_back.append(touch_id)
    if handed_back:
        # Back to the queue this task came from, as Celery's own retry does (a deployment
        # may give some senders a queue of their own); outside a task, the usual route.
        delivery = (current_task.request.delivery_info or {}) if current_task else {}
        queue = delivery.get("routing_key") or None
        transaction.on_commit(lambda: send_touches.apply_async((handed_back,), queue=queue))
    return results


@shared_task
def planned_replies_send() -> dict[str, int]:
    """Send the coordinators' replies saved for the sending window once it opens (beat,
    every minute: planned sends are swept, never ETA tasks)."""
    return planned_replies_send_due()


@shared_task
def revocation_confirmation_send(message_id: int) -> str:
    """The one confirmation text of a revocation that came by email, voicemail or a
    coordinator: queued on commit, sent at once (within the FCC's 5 minutes)."""
    return confirmation_send(message_id)


def revocation_confirmation_queue(message: Message | None) -> None:
    """Send a revocation's confirmation text (``confirmation_create``'s) once the
    revocation commits; nothing when none is owed."""
    if message is not None:
        transaction.on_commit(lambda: revocation_confirmation_send.delay(message.pk))
