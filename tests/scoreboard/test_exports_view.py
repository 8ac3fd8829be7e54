"""CSV exports of the scoreboard and of the outcome log: audited and formula-safe."""

import csv
import io

import pytest
import time_machine
from django.urls import reverse

from reactivate.models import AuditAction, AuditEvent, Role
from tests.scoreboard import scenario
from tests.scoreboard.scenario import NOW

pytestmark = pytest.mark.django_db
MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-16"}


@pytest.fixture
def world(practice):
    with time_machine.travel(NOW, tick=False):
        yield scenario.build(practice)


def download(client, practice, name):
    url = reverse(f"scoreboard:{name}", kwargs={"practice_slug": practice.slug})
    with time_machine.travel(NOW, tick=False):
        response = client.get(url, MARCH)
    body = b"".join(response.streaming_content).decode() if response.status_code == 200 else ""
    return response, list(csv.DictReader(io.StringIO(body)))


def test_the_scoreboard_csv_has_the_periods_totals(client_for, member, world):
    response, rows = download(client_for(member(Role.OWNER)), world.practice, "export_scoreboard")
    assert response["Content-Type"] == "text/csv"
    total = rows[0]
    assert (total["section"], total["contacted"], total["decisions"]) == ("total", "16", "10")
    assert total["reply_rate"] == "0.6875" and total["revenue_recovered"] == "15000.00"
    assert {"week", "bucket", "coordinator", "campaign"} <= {row["section"] for row in rows}


def test_the_outcome_log_csv_marks_corrected_entries(client_for, member, world):
    _response, rows = download(client_for(member(Role.OWNER)), world.practice, "export_outcomes")
    corrected = [row for row in rows if row["effective"] == "no"]
    assert sorted(row["kind"] for row in corrected) == ["scheduled", "showed"]
    assert all(row["corrects"] for row in rows if row["kind"] == "not_a_fit" and row["note"])


def test_exports_neutralize_formulas(client_for, member, world):
    _response, rows = download(client_for(member(Role.OWNER)), world.practice, "export_outcomes")
    words = [row["what_mattered_most"] for row in rows if row["kind"] == "went_elsewhere"]
    assert words == ["'=cheaper nearby"]


def test_each_export_is_recorded_in_the_audit_trail(client_for, member, world):
    client = client_for(member(Role.OWNER))
    download(client, world.practice, "export_scoreboard")
    download(client, world.practice, "export_outcomes")
    exported = AuditEvent.objects.filter(practice=world.practice, action=AuditAction.EXPORTED)
    assert sorted(exported.values_list("object_type", flat=True)) == [
        "campaigns.outcome",
        "scoreboard.scoreboard",
    ]


def test_a_coordinator_cannot_export(client_for, world):
    response, _rows = download(client_for(world.coordinator_a), world.practice, "export_outcomes")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()
