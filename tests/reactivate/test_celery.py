"""Background work runs in a real Celery worker process against Redis and PostgreSQL."""

import pytest
from django.conf import settings

from reactivate.models import Heartbeat
from reactivate.tasks import heartbeat


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_end_to_end(celery_worker_process):
    host = heartbeat.apply_async(ignore_result=False).get(timeout=60)
    beat = Heartbeat.objects.get(name="worker")  # written by the worker, in the test database
    assert beat.host == host


def test_beat_schedules_the_dispatcher_every_minute():
    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert entries["outreach.tasks.dispatch_due"]["schedule"] == 60.0
    assert settings.CELERY_BEAT_SCHEDULER.startswith("django_celery_beat")


def test_beat_reconciles_the_replies_waiting_every_five_minutes():
    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert entries["outreach.tasks.replies_reconcile"]["schedule"] == 300.0
