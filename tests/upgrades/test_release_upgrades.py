"""A practice that installed an earlier release upgrades without losing anything: each
release's demo database (``releases/<version>/demo.sql``) is restored into a database of
its own, migrated to head by ``manage.py migrate`` as an upgrade would, and compared with
itself before the upgrade."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from psycopg import sql

from contacts.dedupe_keys import KEY_NAMES, matching_keys
from tests.upgrades import scratch

RELEASES = sorted((Path(__file__).parent / "releases").iterdir())
# What a practice's people typed or were told, and what the owner's figures are made of.
KEPT_TABLES = ("contacts_contact", "campaigns_enrollment", "campaigns_outcome", "outreach_message")
# Derived from a contact's typed fields, for finding duplicates: a migration may compute them
# anew (contacts 0007 did), so they are compared with what the app computes instead.
MATCHING_KEYS = frozenset(KEY_NAMES)
KEY_INPUTS = ("first_name", "last_name", "date_of_birth", "postal_code", "address")
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
            columns = {
                table: [c for c in _columns(conn, table) if c not in MATCHING_KEYS]
                for table in KEPT_TABLES
            }
            before = {table: _rows(conn, table, columns[table]) for table in KEPT_TABLES}
        scratch.manage(name, "migrate", "--noinput")
        with scratch.connect(name) as conn:
            after = {table: _rows(conn, table, columns[table]) for table in KEPT_TABLES}
            keys = _rows(conn, "contacts_contact", [*KEY_INPUTS, *KEY_NAMES])
        figures = scratch.manage(name, code=SCOREBOARD_AT.format(at=PRINTED_AT))
        yield release, before, after, json.loads(figures.strip().splitlines()[-1]), keys


def test_the_release_dump_holds_a_seeded_practice(upgraded):
    _release, before, _after, _figures, _keys = upgraded
    assert all(before[table] for table in KEPT_TABLES)


@pytest.mark.parametrize("table", KEPT_TABLES)
def test_every_row_survives_the_upgrade_unchanged(upgraded, table):
    _release, before, after, _figures, _keys = upgraded
    assert after[table] == before[table]


def test_upgraded_contacts_are_found_as_duplicates_by_the_apps_own_keys(upgraded):
    """The keys a migration filled are the ones an import or an edit writes today, so an
    upgraded list and a newly imported one meet in the same blocks."""
    _release, _before, _after, _figures, keys = upgraded
    inputs = len(KEY_INPUTS)
    for row in keys:
        assert dict(zip(KEY_NAMES, row[inputs:], strict=True)) == matching_keys(*row[:inputs])


def test_the_scoreboard_figures_survive_the_upgrade(upgraded):
    release, _before, _after, figures, _keys = upgraded
    assert figures == json.loads((release / "scoreboard.json").read_text())
