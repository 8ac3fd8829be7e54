"""Shared by the benchmarks: a database of their own, created and migrated on demand, and
the environment a benchmark process runs Django in.

Benchmarks empty whole tables, so which database they use is decided here and only here:

- ``bench_database_url()`` reads ``BENCH_DATABASE_URL`` (default
  ``postgres://postgres@127.0.0.1:5432/reactivate_bench``) and never ``DATABASE_URL``, which
  names the application's database. All benchmarks share that one database; each empties
  the tables it fills, so one benchmark's data does not survive another's run. A benchmark
  that needs a second database (a peer's, say) calls ``bench_database_url("peer")``: the
  same server, the name with ``_peer`` appended.
- ``database_claim(url)``, before a benchmark changes anything, creates the database if
  missing and refuses (one line on stderr, exit status 1) a database holding any practice
  no benchmark created. A benchmark records each practice it creates with
  ``practice_own`` in a table of its own, ``bench_practice`` (a foreign key to the
  practice, deleted with it). No application database has that table, so every practice
  in one is foreign; a slug convention would have taken a practice that happened to be
  called "bench-…" for the benchmarks'. A database without practices (empty, or migrated
  and unused) is the benchmarks' to take.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/reactivate_bench"
# The practice table's name is fixed by the reactivate app's first migration; the guard
# runs before Django is set up (and before the database is migrated), so it is spelled here.
PRACTICE_TABLE = "reactivate_practice"
MARKER_TABLE = "bench_practice"


def bench_database_url(purpose: str | None = None) -> str:
    """The benchmarks' database (see the module's docstring); never ``DATABASE_URL``."""
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    if purpose is None:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{purpose}"))


def database_claim(database_url: str) -> None:
    """Create the benchmark's database if missing; exit with one line on stderr, having
    changed nothing, when it is ours, a test's, or holds a practice no benchmark created."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if name == "reactivate" or name.startswith("test_"):
        raise SystemExit(f"refusing to benchmark in the database {name!r}")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", flush=True)
            return
    with psycopg.connect(database_url, autocommit=True) as conn:
        practices, marker = conn.execute(
            "SELECT to_regclass(%s), to_regclass(%s)", [PRACTICE_TABLE, MARKER_TABLE]
        ).fetchone()
        if practices is None:
            return
        # Table names from the constants above, never from input.
        foreign = f"SELECT count(*), min(slug) FROM {PRACTICE_TABLE} p"  # noqa: S608
        if marker is not None:
            foreign += (
                f" WHERE NOT EXISTS (SELECT FROM {MARKER_TABLE} b WHERE b.practice_id = p.id)"
            )
        count, example = conn.execute(foreign).fetchone()
    if count:
        raise SystemExit(
            f"refusing to benchmark in the database {name!r}: it holds {count} "
            f"practice{'s' if count > 1 else ''} no benchmark created (e.g. {example!r}); "
            "set BENCH_DATABASE_URL to a database of the benchmarks' own"
        )


def practice_own(cursor, practice_id: int) -> None:
    """Record that a benchmark created this practice, so that ``database_claim`` lets the
    next run have the database. ``cursor``: Django's or psycopg's, on the bench database."""
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (practice_id bigint PRIMARY KEY"
        f" REFERENCES {PRACTICE_TABLE} (id) ON DELETE CASCADE)"
    )
    cursor.execute(
        f"INSERT INTO {MARKER_TABLE} (practice_id) VALUES (%s) ON CONFLICT DO NOTHING",  # noqa: S608
        [practice_id],
    )


def bench_environment(database_url: str, **extra: str) -> dict[str, str]:
    """Production-like settings (DEBUG off: Django would otherwise keep every query's SQL
    and count it as our memory) against ``database_url``."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="reactivate.settings",
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or "bench-only-" + os.urandom(16).hex(),
        ALLOWED_HOSTS="localhost,testserver",
        # Production settings refuse to start without it; no webhook is posted to here.
        ANYMAIL_WEBHOOK_SECRET=env.get("ANYMAIL_WEBHOOK_SECRET") or "bench:" + os.urandom(8).hex(),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    )
    env.update(extra)
    return env


def database_prepare(database_url: str, env: dict[str, str]) -> None:
    """Claim the benchmark's database (``database_claim``) and migrate it."""
    database_claim(database_url)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
    )


def series_insert(
    cursor, model, n: int, expressions: dict[str, str], params: dict, source: str = ""
) -> None:
    """INSERT ``n`` rows of ``model`` in one statement: columns in ``expressions`` are SQL
    over ``i`` (1..n), every other column gets the model field's default (what
    ``bulk_create`` would write; ``auto_now`` fields have none: give them). ``source``
    replaces ``generate_series(1, n) g(i)`` as the rows to select from (it must name an
    ``i``). Parameters are ``%(name)s`` in ``params``, so a modulo is ``%%``."""
    columns, values, args = [], [], dict(params)
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.column in expressions:
            values.append(expressions[field.column])
        else:
            key = f"default_{field.column}"
            args[key] = field.get_db_prep_save(field.get_default(), cursor.db)
            values.append(f"%({key})s")
    # Table and column names come from our models, never from input.
    table, names, selects = model._meta.db_table, ", ".join(columns), ", ".join(values)
    source = source or "generate_series(1, %(n)s) g(i)"
    sql = f"INSERT INTO {table} ({names}) SELECT {selects} FROM {source}"  # noqa: S608
    cursor.execute(sql, {**args, "n": n})


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Autoanalyze:
    """What PostgreSQL's autovacuum daemon does for statistics, for a server that runs
    without it (this machine's has ``autovacuum = off``; a production server has it on).

    A benchmark that starts from empty tables and fills them (outcomes and scoreboard facts
    while texts go out, contacts while a file imports) would otherwise be planned for the
    rest of the run with the statistics of empty tables: no column statistics, so every
    ``enrollment_id = …`` looks like it matches 1/200 of the table and the planner scans
    whole tables. Every ``naptime`` seconds (autovacuum's default: 60) it ANALYZEs each
    table whose rows changed since its last analyze by more than 50 + 10% of its rows
    (autovacuum's default threshold and scale factor). It does nothing when the server's
    own autovacuum is on.
    """

    def __init__(self, database_url: str, naptime: float = 60.0):
        self.database_url, self.naptime = database_url, naptime
        self.runs = 0
        self._stop = None

    def __enter__(self) -> Autoanalyze:
        import threading

        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            self.active = conn.execute("SHOW autovacuum").fetchone()[0] == "off"
        if self.active:
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._stop is not None:
            self._stop.set()
            self._thread.join()

    def describe(self) -> str:
        if not self.active:
            return "autovacuum on (the server's own)"
        return f"autovacuum off on this server: its ANALYZE rule emulated ({self.runs} runs)"

    def _loop(self) -> None:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self._stop.wait(self.naptime):
                due = conn.execute(
                    "SELECT format('%I.%I', s.schemaname, s.relname) FROM pg_stat_user_tables s"
                    " JOIN pg_class c ON c.oid = s.relid"
                    " WHERE s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)"
                ).fetchall()
                for (table,) in due:
                    conn.execute(f"ANALYZE {table}")  # a name from the catalog, quoted
                    self.runs += 1
