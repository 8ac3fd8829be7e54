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
