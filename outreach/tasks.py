from celery import shared_task

from outreach.services import touches_dispatch_due


@shared_task
def dispatch_due() -> int:
    return touches_dispatch_due()
