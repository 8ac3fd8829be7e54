"""``rollups_rebuild``: a practice's rollups recomputed set-based come out exactly as the
triggers keep them row by row, and the owner sees the rebuild's progress while it runs,
with the previous figures until it commits."""

from __future__ import annotations

import threading
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reactivate.models import Role
from scoreboard.models import REBUILD_STEPS, RollupRebuild
from scoreboard.services import rollups_rebuild
from tests.scoreboard import scenario
from tests.scoreboard.scenario import NOW
from tests.scoreboard.test_dashboard_view import page, tile
from tests.scoreboard.test_rollups import (
    BASE,
    _apply,
    change,
    correct,
    own,
    random_history_world,
    record,
)

# Every fact and rollup table, with the columns that say what it holds (not its row ids).
TABLES = {
    "scoreboard_stagefact": "enrollment_id, stage, day, prev_day, campaign_id, bucket, "
    "coordinator_id, variant_id, amount",
    "scoreboard_stagerollup": "day, stage, prev_day, campaign_id, bucket, coordinator_id, "
    "variant_id, n, amount",
    "scoreboard_lostfact": "outcome_id, enrollment_id, at, reason_category, has_words, "
    "campaign_id, bucket, coordinator_id",
    "scoreboard_enrollmentfact": "enrollment_id, campaign_id, contact_id, bucket, "
    "coordinator_id, variant_id, held_out, state, start_day, appointment_at, scheduled, "
    "showed, result, lift_offset",
    "scoreboard_stakefact": "contact_id, last_outcome, assigned_to_id, next_appointment, "
    "last_activity, amount",
    "scoreboard_stakerollup": "last_outcome, assigned_to_id, next_appointment, "
    "last_activity, n, quoted, amount",
}


def rollups_of(practice) -> dict[str, list[str]]:
    """The practice's rows of every fact and rollup table, as sorted JSON text."""
    found = {}
    with connection.cursor() as cursor:
        for table, columns in TABLES.items():
            cursor.execute(
                f"SELECT row_to_json(t)::text FROM (SELECT {columns} FROM {table} "  # noqa: S608
                "WHERE practice_id = %s) t",
                [practice.pk],
            )
            found[table] = sorted(row for (row,) in cursor.fetchall())
    return found


@pytest.fixture
def world(practice):
    with time_machine.travel(NOW, tick=False):
        yield scenario.build(practice)


@pytest.mark.django_db
def test_a_rebuild_leaves_exactly_the_rollups_the_triggers_kept(world):
    kept = rollups_of(world.practice)
    assert all(kept.values())  # the scenario fills every table
    rollups_rebuild(world.practice.pk)
    assert rollups_of(world.practice) == kept


@pytest.mark.django_db
def test_a_rebuild_leaves_other_practices_rollups_alone(world, other_practice):
    with time_machine.travel(NOW, tick=False):
        scenario.build(other_practice)
    theirs = rollups_of(other_practice)
    rollups_rebuild(world.practice.pk)
    assert rollups_of(other_practice) == theirs


history = st.lists(st.one_of(record, record, record, correct, change, own), max_size=40)


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=history)
def test_a_rebuild_equals_the_triggers_on_random_histories(practice, steps):
    with transaction.atomic(), time_machine.travel(BASE, tick=False):
        members, _campaigns, enrollments = random_history_world(practice)
        for step in steps:
            _apply(step, practice, enrollments, members)
        kept = rollups_of(practice)
        rollups_rebuild(practice.pk)
        assert rollups_of(practice) == kept
        transaction.set_rollback(True)


def _wait_for(condition, what: str, seconds: float = 30) -> None:
    """Ask the database until ``condition()`` holds (each ask is a query; no sleeping)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"


@pytest.mark.django_db(transaction=True)
def test_while_the_rebuild_runs_the_owner_sees_its_progress_and_the_previous_figures(
    world, client_for, member
):
    practice = world.practice
    client = client_for(member(Role.OWNER))
    before = tile(page(client, practice), "reply")
    practice.time_zone = ZoneInfo("Pacific/Auckland")
    practice.save(update_fields=["time_zone"])
    failures = []

    def rebuild():
        try:
            rollups_rebuild(practice.pk)
        except Exception as error:  # reported by the test's thread
            failures.append(error)
        finally:
            connection.close()

    # Holding the lost reasons' table stops the rebuild at its second step, after the
    # first step's progress has been recorded.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE scoreboard_lostfact IN ACCESS EXCLUSIVE MODE")
        worker = threading.Thread(target=rebuild)
        worker.start()
        _wait_for(
            lambda: RollupRebuild.objects.filter(practice_id=practice.pk, step=1).exists(),
            "the first step's progress",
        )
        html = page(client, practice).content.decode()
        assert "Figures are being recomputed for the new time zone (Pacific/Auckland)" in html
        assert f"Step 1 of 4 done; now {REBUILD_STEPS[1][1]}." in html
        assert tile(page(client, practice), "reply") == before
    worker.join()
    assert not failures
    html = page(client, practice).content.decode()
    assert "being recomputed" not in html


@pytest.mark.django_db
def test_a_finished_rebuild_is_recorded_with_every_step_done(world):
    practice = world.practice
    practice.time_zone = ZoneInfo("Europe/London")
    practice.save(update_fields=["time_zone"])
    rollups_rebuild(practice.pk)
    done = RollupRebuild.objects.get(practice_id=practice.pk)
    assert done.finished_at is not None and done.step == len(REBUILD_STEPS)
