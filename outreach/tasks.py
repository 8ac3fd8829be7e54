from celery import shared_task

from outreach.conversation import planned_replies_send_due, replies_waiting_reconcile
from outreach.dispatch import touches_dispatch_due, touches_send


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
    for result in touches_send(touch_ids).values():
        results[result] = results.get(result, 0) + 1
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
    from outreach.revocation import confirmation_send

    return confirmation_send(message_id)
