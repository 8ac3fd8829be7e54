"""A database whose scoreboard stopped at 0001 with a practice in it migrates forward, and
its rollups then equal the live queries (0002 once failed there: its fill read a table
0003 creates)."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from scoreboard import selectors
from scoreboard.models import StageFact
from tests.scoreboard import scenario
from tests.scoreboard.scenario import NOW
from tests.scoreboard.test_rollups import assert_rollups_equal_live, scopes_of

FIRST = [("scoreboard", "0001_rollups")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def head() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def at_scoreboard_0001(transactional_db):
    """The test database with the scoreboard back at 0001 (its later migrations reversed);
    migrated to head again afterwards, whatever the test did."""
    migrate(FIRST)
    yield
    migrate(head())


def test_a_database_at_0001_with_a_practice_migrates_forward_with_its_figures(
    at_scoreboard_0001, practice
):
    with time_machine.travel(NOW, tick=False):
        world = scenario.build(practice)
    assert not StageFact.objects.exists()  # no triggers at 0001: nothing counted yet
    migrate(head())
    with time_machine.travel(NOW, tick=False):
        for scope in scopes_of(world):
            assert_rollups_equal_live(scope, NOW)
        counts = selectors.stage_counts(next(scopes_of(world)))
    assert (counts.contacted, counts.replied, counts.decisions) == (16, 11, 10)
