"""Shared by the benchmarks: a database of their own, created and migrated on demand, and
the environment a benchmark process runs Django in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


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
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    )
    env.update(extra)
    return env


def database_prepare(database_url: str, env: dict[str, str]) -> None:
    """Create the benchmark's database if missing and migrate it (never ours or a test's)."""
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
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
    )


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
