import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from reactivate.models import Heartbeat


def test_healthcheck_fails_before_any_heartbeat(db):
    with pytest.raises(CommandError, match="No heartbeat yet"):
        call_command("healthcheck")


def test_healthcheck_fails_on_a_stale_heartbeat(db):
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - dt.timedelta(minutes=9))
    with pytest.raises(CommandError, match="Last heartbeat"):
        call_command("healthcheck", "--max-age-minutes", "5")


def test_healthcheck_passes_on_a_recent_heartbeat(db, capsys):
    Heartbeat.objects.create(name="worker", seen_at=timezone.now(), host="w1")
    call_command("healthcheck")
    assert capsys.readouterr().out.startswith("ok")
