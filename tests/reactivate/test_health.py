from django.urls import reverse
from django.utils import timezone

from reactivate.models import Heartbeat


def test_health_reports_database_and_last_worker_heartbeat(client, db):
    Heartbeat.objects.create(name="worker", seen_at=timezone.now(), host="w1")
    body = client.get(reverse("health")).json()
    assert body["database"] == "ok"
    assert "worker" in body["heartbeats"]
