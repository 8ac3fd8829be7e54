"""A practice that installed an earlier release upgrades without losing anything: each
release's demo database (``releases/<version>/demo.sql``) is restored into a database of
its own, migrated to head by ``manage.py migrate`` as an upgrade would, and compared with
itself before the upgrade."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from psycopg import sql

from tests.upgrades import scratch

RELEASES = sorted((Path(__file__).parent / "releases").iterdir())
# What a practice's people typed or were told, and what the owner's figures are made of.
KEPT_TABLES = ("contacts_contact", "campaigns_enrollment", "campaigns_outcome", "outreach_message")
# The moment each release's scoreboard.json was printed (see its README).
PRINTED_AT = "2026-12-07T14:30:00+00:00"

SCOREBOARD_AT = """
import datetime as dt
import time_machine
from django.core.management import call_command
with time_machine.travel(dt.datetime.fromisoformat({at!r}), tick=False):
    call_command("scoreboard", "--practice", "demo", "--json")
"""


def _rows(conn, table: str, columns: list[str]) -> list[tuple]:
    query = sql.SQL("SELECT {} FROM {} ORDER BY id").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table)
    )
    return conn.execute(query).fetchall()


def _columns(conn, table: str) -> list[str]:
    found = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [name for (name,) in found]


@pytest.fixture(scope="module", params=RELEASES, ids=lambda release: release.name)
def upgraded(request):
    """The release's demo database before and after ``migrate``: (before, after, name)."""
    release: Path = request.param
    with scratch.database() as name:
        scratch.restore(name, release / "demo.sql")
        with scratch.connect(name) as conn:
            columns = {table: _columns(conn, table) for table in KEPT_TABLES}
            before = {table: _rows(conn, table, columns[table]) for table in KEPT_TABLES}
        scratch.manage(name, "migrate", "--noinput")
        with scratch.connect(name) as conn:
            after = {table: _rows(conn, table, columns[table]) for table in KEPT_TABLES}
        figures = scratch.manage(name, code=SCOREBOARD_AT.format(at=PRINTED_AT))
        yield release, before, after, json.loads(figures.strip().splitlines()[-1])


def test_the_release_dump_holds_a_seeded_practice(upgraded):
    _release, before, _after, _figures = upgraded
    assert all(before[table] for table in KEPT_TABLES)


@pytest.mark.parametrize("table", KEPT_TABLES)
def test_every_row_survives_the_upgrade_unchanged(upgraded, table):
    _release, before, after, _figures = upgraded
    assert after[table] == before[table]


def test_the_scoreboard_figures_survive_the_upgrade(upgraded):
    release, _before, _after, figures = upgraded
    assert figures == json.loads((release / "scoreboard.json").read_text())
