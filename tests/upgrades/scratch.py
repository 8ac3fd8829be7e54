"""Scratch databases on the test server, for tests that need a database of their own
(a release's dump restored, migrated by ``manage.py`` in another process)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from django.conf import settings
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]


def _params(name: str) -> dict:
    db = settings.DATABASES["default"]
    return {
        "dbname": name,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
    }


def url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or ""
    # A socket directory goes in the query string; host names and addresses in the netloc.
    if host.startswith("/"):
        return f"postgres://{db['USER']}{password}@/{name}?host={host}&port={db['PORT'] or 5432}"
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{name}"


def connect(name: str) -> psycopg.Connection:
    return psycopg.connect(**_params(name), autocommit=True)


@contextlib.contextmanager
def database() -> Iterator[str]:
    """A new empty database, dropped afterwards; yields its name."""
    name = f"reactivate_scratch_{uuid.uuid4().hex[:12]}"
    with connect("postgres") as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with connect("postgres") as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def restore(name: str, dump: Path) -> None:
    """Run a plain-SQL ``pg_dump`` in ``name`` (psql's own backslash commands left out)."""
    text = "\n".join(line for line in dump.read_text().splitlines() if not line.startswith("\\"))
    with connect(name) as conn:
        conn.execute(text)


def manage(name: str, *args: str, code: str | None = None) -> str:
    """Run ``manage.py args`` (or the Python ``code``, with Django set up) in another
    process on database ``name``; returns its standard output, failing on a non-zero exit."""
    env = {**os.environ, "DATABASE_URL": url(name)}
    if code is None:
        command = [sys.executable, "manage.py", *args]
    else:
        setup = "import django; django.setup()\n"
        command = [sys.executable, "-c", setup + code]
        env["DJANGO_SETTINGS_MODULE"] = "reactivate.settings"
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
