import socket

from celery import shared_task
from django.utils import timezone

from reactivate.models import Heartbeat


@shared_task
def heartbeat() -> str:
    """Beat queues this every minute; the worker that runs it records that both are alive."""
    host = socket.gethostname()
    Heartbeat.objects.update_or_create(
        name="worker", defaults={"seen_at": timezone.now(), "host": host}
    )
    return host
