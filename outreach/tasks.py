import logging

from celery import shared_task

from outreach.conversation import replies_waiting_reconcile
from outreach.dispatch import SEND_BATCH, touches_dispatch_due, touches_send

logger = logging.getLogger(__name__)


@shared_task
def dispatch_due() -> int:
    return touches_dispatch_due()


@shared_task
def replies_reconcile() -> int:
    return replies_waiting_reconcile()


@shared_task
def send_touches(touch_ids: list[int]) -> dict[str, int]:
    """Send a batch of claimed touches, each on its own (acks late, rejected on worker
    loss: a redelivered batch skips touches already past "claimed")."""
    results: dict[str, int] = {}
    for start in range(0, len(touch_ids), SEND_BATCH):
        batch = touch_ids[start : start + SEND_BATCH]
        try:
            outcomes = list(touches_send(batch).values())
        except Exception:  # one bad batch must not stop the task; the reaper revisits it
            logger.exception("touches %s..%s: send failed", batch[0], batch[-1])
            outcomes = ["error"] * len(batch)
        for result in outcomes:
            results[result] = results.get(result, 0) + 1
    return results
