"""Beat's FHIR syncs (``fhir_syncs_due``) and the ``sync_appointments`` command with a FHIR
server, against the fake FHIR server."""

from __future__ import annotations

import datetime as dt
import io
import json
import socket

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from schedule.models import Appointment, RunStatus, Source, SyncRun
from schedule.sources.fhir import fhir_source, fhir_syncs_due
from schedule.sync import SUMMARY_KEYS
from tests.fake_fhir import fixtures
from tests.fake_fhir.resources import appointment, patient

pytestmark = pytest.mark.django_db
fake_fhir_server, fake_fhir = fixtures.fake_fhir_server, fixtures.fake_fhir
NOON = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.SCHEDULE_FHIR_BACKOFF = (0, 0)
    settings.SCHEDULE_FHIR_RETRY_AFTER_CAP = 0


def tried(source, minutes_ago: int) -> None:
    Source.objects.filter(pk=source.pk).update(
        last_attempt_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )


def test_beat_queues_each_fhir_source_whose_time_came_once(
    practice, django_capture_on_commit_callbacks
):
    never = fhir_source(practice, base_url="https://one.example.com/fhir")
    stale = fhir_source(practice, base_url="https://two.example.com/fhir")
    recent = fhir_source(practice, base_url="https://three.example.com/fhir")
    off = fhir_source(practice, base_url="https://four.example.com/fhir")
    tried(stale, 6)
    tried(recent, 1)
    Source.objects.filter(pk=off.pk).update(enabled=False)

    with django_capture_on_commit_callbacks() as queued:
        assert fhir_syncs_due() == 2
    assert fhir_syncs_due() == 0  # claimed: the next sweep does not queue them again

    assert len(queued) == 2
    never.refresh_from_db()
    assert never.last_attempt_at is not None


def test_beat_leaves_a_source_that_is_being_synced(practice, django_capture_on_commit_callbacks):
    source = fhir_source(practice, base_url="https://one.example.com/fhir")
    SyncRun.objects.create(
        practice=practice, source=source, trigger="beat", started_at=timezone.now()
    )

    with django_capture_on_commit_callbacks():
        assert fhir_syncs_due() == 0


def test_the_command_syncs_a_fhir_server_and_prints_the_json_line(practice, fake_fhir):
    fake_fhir.require_bearer("T0K3N")
    updated = dt.datetime(2026, 12, 1, 11, tzinfo=dt.UTC)
    fake_fhir.put(appointment("example", last_updated=updated), patient("example"))
    out = io.StringIO()

    with time_machine.travel(NOON, tick=False):
        call_command(
            "sync_appointments",
            "--practice",
            "harbor",
            "--fhir-base-url",
            fake_fhir.base_url,
            "--token",
            "T0K3N",
            stdout=out,
        )

    line = json.loads(out.getvalue())
    assert list(line) == list(SUMMARY_KEYS)
    assert (line["read"], line["created"], line["unmatched"], line["errors"]) == (1, 1, 1, 0)
    assert Appointment.objects.get().key == "example"


def test_the_command_exits_with_one_line_when_the_server_is_down(practice):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = io.StringIO()

    with pytest.raises(CommandError) as refused:
        call_command(
            "sync_appointments",
            "--practice",
            "harbor",
            "--fhir-base-url",
            f"http://127.0.0.1:{port}/fhir",
            stdout=out,
        )

    assert str(refused.value) == (
        "The FHIR server could not be reached three times; the next sync will resume from "
        "the last page applied."
    )
    assert json.loads(out.getvalue())["errors"] == 1
    assert SyncRun.objects.get().status == RunStatus.FAILED


def test_the_command_refuses_an_address_that_is_not_a_servers(practice):
    with pytest.raises(CommandError, match="must be an http:// or https:// address"):
        call_command("sync_appointments", "--practice", "harbor", "--fhir-base-url", "file:///etc")
