"""CSV exports of the scoreboard and of the outcome log: audited and formula-safe."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from campaigns.models import OutcomeKind
from campaigns.outcomes import outcome_record
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
    body = body.removeprefix("\ufeff")
    return response, list(csv.DictReader(io.StringIO(body)))


def test_the_scoreboard_csv_has_the_periods_totals(client_for, member, world):
    _response, rows = download(client_for(member(Role.OWNER)), world.practice, "export_scoreboard")
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


# The columns that are shares of another: none may pass 1.
RATES = (
    "reply_rate qualification_rate scheduled_rate scheduled_per_contacted show_rate decision_rate"
)


@pytest.fixture
def booked_a_week_after_replying(world):
    """Three patients who replied and qualified in the week of March 2, all scheduled in
    the week of March 9, when one other patient replied and qualified: that week has more
    scheduled than replied or qualified."""
    for n in (13, 14, 15):
        enrollment = world.patients[n]
        with time_machine.travel(dt.datetime(2026, 3, 3, 10, tzinfo=NOW.tzinfo), tick=False):
            outcome_record(
                contact=enrollment.contact, enrollment=enrollment, kind=OutcomeKind.REPLIED
            )
            outcome_record(
                contact=enrollment.contact, enrollment=enrollment, kind=OutcomeKind.QUALIFIED
            )
        with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=NOW.tzinfo), tick=False):
            outcome_record(
                contact=enrollment.contact, enrollment=enrollment, kind=OutcomeKind.SCHEDULED
            )
    late = world.patients[16]  # replies and qualifies that week: the rates' denominators
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, tzinfo=NOW.tzinfo), tick=False):
        for kind in (OutcomeKind.REPLIED, OutcomeKind.QUALIFIED):
            outcome_record(contact=late.contact, enrollment=late, kind=kind)
    return world


def test_no_rate_in_the_scoreboard_csv_is_above_100_percent(
    client_for, member, booked_a_week_after_replying
):
    practice = booked_a_week_after_replying.practice
    _, rows = download(client_for(member(Role.OWNER)), practice, "export_scoreboard")
    week = next(row for row in rows if row["section"] == "week" and row["group"] == "2026-03-09")
    assert int(week["scheduled"]) > int(week["qualified"])  # the seeded week
    assert all(float(row[r]) <= 1 for row in rows for r in RATES.split() if row[r])


def test_the_scoreboard_csv_declares_utf8_so_excel_keeps_accents(client_for, member, world):
    url = reverse("scoreboard:export_scoreboard", kwargs={"practice_slug": world.practice.slug})
    with time_machine.travel(NOW, tick=False):
        response = client_for(member(Role.OWNER)).get(url, MARCH)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(response.streaming_content).startswith("\ufeff".encode())
