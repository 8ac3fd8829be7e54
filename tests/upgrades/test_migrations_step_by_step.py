"""Every migration applies on its own, in order, on an empty database; each one that can
be reversed is, last first; and the database then migrates to head again. A migration
that only works when run together with the next one (an upgrade stopped half way, a
deploy that ships one migration at a time) fails here."""

from __future__ import annotations

import json

import pytest

from tests.upgrades import scratch

STEPS = """
import json
from django.db import connection
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor


def executor():
    return MigrationExecutor(connection)


plan = [m for m, _ in executor().migration_plan(executor().loader.graph.leaf_nodes())]
forward, backward, irreversible = [], [], None
for migration in plan:
    executor().migrate([(migration.app_label, migration.name)])
    forward.append(f"{migration.app_label}.{migration.name}")
for migration in reversed(plan):
    graph = executor().loader.graph
    parents = [p for p in graph.node_map[(migration.app_label, migration.name)].parents
               if p.key[0] == migration.app_label]
    target = (migration.app_label, parents[0].key[1] if parents else None)
    try:
        executor().migrate([target])
    except IrreversibleError:
        irreversible = f"{migration.app_label}.{migration.name}"
        break
    backward.append(f"{migration.app_label}.{migration.name}")
again = executor().migration_plan(executor().loader.graph.leaf_nodes())
executor().migrate(executor().loader.graph.leaf_nodes())
print(json.dumps({"plan": [f"{m.app_label}.{m.name}" for m in plan], "forward": forward,
                  "backward": backward, "irreversible": irreversible,
                  "reapplied": len(again),
                  "left": len(executor().migration_plan(executor().loader.graph.leaf_nodes()))}))
"""


@pytest.fixture(scope="module")
def stepped():
    with scratch.database() as name:
        return json.loads(scratch.manage(name, code=STEPS).strip().splitlines()[-1])


def test_every_migration_applies_on_its_own_in_order(stepped):
    assert stepped["forward"] == stepped["plan"]


def test_every_migration_is_reversed_on_its_own(stepped):
    # Down to an empty database, unless one cannot be reversed (then named here).
    assert stepped["irreversible"] is None
    assert stepped["backward"] == stepped["plan"][::-1]


def test_the_database_migrates_to_head_again_after_going_back(stepped):
    assert stepped["reapplied"] == len(stepped["backward"])
    assert stepped["left"] == 0
