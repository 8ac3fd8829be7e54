"""Benchmarks empty whole tables, so they run only in a database of their own
(``benchmarks/benchdb.py``): the one ``BENCH_DATABASE_URL`` names, never ``DATABASE_URL``,
and only when every practice in it was created by a benchmark.

The refusals run the real scripts, with their smallest sizes, against scratch databases on
the test server (created here, dropped afterwards): the guard has to stop each of them
before its first change.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"
# The scripts with the smallest sizes they take.
BENCHES = {
    "import_bench.py": ["--rows", "1", "--phases", "ours"],
    "linkage_quality.py": ["--rows", "1"],
    "dispatch_bench.py": ["--touches", "1"],
    "queue_bench.py": ["--contacts", "1"],
    "scoreboard_bench.py": ["--contacts", "1", "--runs", "1"],
    "sync_bench.py": ["--appointments", "20", "--peer-rows", "20", "--drops", "1"],
}
# A DATABASE_URL nothing answers at: a bench that read it would fail on connecting, not
# with the refusal the tests expect.
SHELL_DATABASE_URL = "postgres://postgres@127.0.0.1:1/patients"
_numbers = itertools.count()


def _load_benchdb():
    # benchmarks/ holds scripts, not a package: load the module the scripts import.
    spec = importlib.util.spec_from_file_location("benchdb", BENCHMARKS / "benchdb.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


benchdb = _load_benchdb()


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    if host.startswith("/"):  # a socket directory goes in the query string
        return f"postgres://{db['USER']}{password}@/{name}?host={host}&port={port}"
    return f"postgres://{db['USER']}{password}@{host}:{port}/{name}"


def _connect(name: str) -> psycopg.Connection:
    return psycopg.connect(_url(name), autocommit=True)


def _scratch_name() -> str:
    # Unique across the pytest processes others run on the same server at the same time.
    return f"bench_guard_{os.getpid()}_{next(_numbers)}"


def _drop(name: str) -> None:
    with _connect("postgres") as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        conn.execute(drop)


@contextlib.contextmanager
def _scratch(template: str = "template1") -> Iterator[str]:
    """A new database (a copy of ``template``), dropped afterwards; yields its name."""
    name = _scratch_name()
    with _connect("postgres") as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    try:
        yield name
    finally:
        _drop(name)


def _run(command: list[str], name: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def migrated() -> Iterator[str]:
    """A migrated database without practices (migrating takes seconds: tests copy it)."""
    with _scratch() as name:
        done = _run(["manage.py", "migrate", "--noinput", "-v", "0"], name, DATABASE_URL=_url(name))
        assert done.returncode == 0, done.stderr[-3000:]
        yield name


@pytest.fixture(scope="module")
def practice_database(migrated) -> Iterator[str]:
    """A copy of ``migrated`` where a practice, Harbor Dental, keeps three patients."""
    code = (
        "import django; django.setup()\n"
        "from tests.factories import ContactFactory, PracticeFactory\n"
        "practice = PracticeFactory(name='Harbor Dental', slug='harbor')\n"
        "ContactFactory.create_batch(3, practice=practice)\n"
    )
    with _scratch(migrated) as name:
        done = _run(
            ["-c", code],
            name,
            DATABASE_URL=_url(name),
            DJANGO_SETTINGS_MODULE="reactivate.settings",
        )
        assert done.returncode == 0, done.stderr[-3000:]
        yield name


@pytest.fixture
def clinic(practice_database) -> Iterator[str]:
    """A database of its own for one test, with Harbor Dental and its patients."""
    with _scratch(practice_database) as name:
        yield name


def _everything(name: str) -> dict:
    """What a bench would change first: practices, contacts, tables, applied migrations."""
    with _connect(name) as conn:
        return {
            "practices": conn.execute("SELECT * FROM reactivate_practice ORDER BY id").fetchall(),
            "contacts": conn.execute("SELECT * FROM contacts_contact ORDER BY id").fetchall(),
            "tables": conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            ).fetchall(),
            "migrations": conn.execute("SELECT * FROM django_migrations ORDER BY id").fetchall(),
        }


@pytest.mark.parametrize("script", BENCHES)
def test_a_bench_refuses_a_database_with_a_practice_it_did_not_create(script, clinic):
    before = _everything(clinic)
    assert len(before["practices"]) == 1 and len(before["contacts"]) == 3

    done = _run(
        [str(BENCHMARKS / script), *BENCHES[script]],
        clinic,
        BENCH_DATABASE_URL=_url(clinic),
        DATABASE_URL=SHELL_DATABASE_URL,
    )

    assert done.returncode != 0
    assert done.stderr.splitlines() == [
        f"refusing to benchmark in the database {clinic!r}: it holds 1 practice no benchmark "
        "created (e.g. 'harbor'); set BENCH_DATABASE_URL to a database of the benchmarks' own"
    ]
    assert _everything(clinic) == before


def test_the_bench_database_is_not_database_url_when_only_that_is_set(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", SHELL_DATABASE_URL)
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)

    assert benchdb.bench_database_url() == "postgres://postgres@127.0.0.1:5432/reactivate_bench"


def test_a_second_bench_database_is_named_after_the_first(monkeypatch):
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://bench@db.example:5433/speed?x=1")

    assert benchdb.bench_database_url("peer") == "postgres://bench@db.example:5433/speed_peer?x=1"


def test_a_bench_takes_an_empty_database():
    with _scratch() as name:
        benchdb.database_claim(_url(name))


def test_a_bench_takes_a_migrated_database_without_practices(migrated):
    with _scratch(migrated) as name:
        benchdb.database_claim(_url(name))


def test_a_bench_takes_a_database_whose_practices_benchmarks_created(clinic):
    with _connect(clinic) as conn, conn.cursor() as cursor:
        (harbor,) = cursor.execute("SELECT id FROM reactivate_practice").fetchone()
        benchdb.practice_own(cursor, harbor)

    benchdb.database_claim(_url(clinic))


def test_a_bench_creates_its_database_when_missing():
    name = _scratch_name()
    try:
        benchdb.database_claim(_url(name))
        with _connect(name) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        _drop(name)
