import logging

from celery import shared_task

from outreach.dispatch import touch_send, touches_dispatch_due

logger = logging.getLogger(__name__)


@shared_task
def dispatch_due() -> int:
    return touches_dispatch_due()


@shared_task
def send_touches(touch_ids: list[int]) -> dict[str, int]:
    """Send a batch of claimed touches, each on its own (acks late, rejected on worker
    loss: a redelivered batch skips touches already past "claimed")."""
    results: dict[str, int] = {}
    for touch_id in touch_ids:
        try:
            result = touch_send(touch_id)
        except Exception:  # one bad touch must not stop the batch; the reaper revisits it
            logger.exception("touch %s: send failed", touch_id)
            result = "error"
        results[result] = results.get(result, 0) + 1
    return results
