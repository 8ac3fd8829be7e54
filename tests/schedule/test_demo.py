"""``seed_demo``'s schedule: an export dropped in the demo's folder and synced."""

import pytest
from django.core.management import call_command

from campaigns.models import Outcome, OutcomeKind, OutcomeSource
from schedule.models import Appointment, RunStatus, SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _drop_root(settings, tmp_path):
    settings.SCHEDULE_DROP_ROOT = tmp_path / "drop"


def test_the_demo_scoreboard_has_synced_shows_and_a_held_out_booking(capsys):
    call_command("seed_demo")

    assert "appointments synced from the drop folder" in capsys.readouterr().out
    synced = Outcome.objects.filter(source=OutcomeSource.PRACTICE_SYSTEM)
    assert synced.filter(kind=OutcomeKind.SHOWED, enrollment__held_out=False).exists()
    assert synced.filter(kind=OutcomeKind.SCHEDULED, enrollment__held_out=True).exists()
    assert Appointment.objects.filter(contact__isnull=True).exists()  # one to match by hand


def test_seeding_the_demo_twice_syncs_its_export_once():
    call_command("seed_demo")
    call_command("seed_demo")

    assert SyncRun.objects.filter(status=RunStatus.SUCCEEDED).count() == 1
