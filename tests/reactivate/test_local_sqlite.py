"""``bin/run`` migrates a local SQLite database: every migration must apply there too
(PostgreSQL-only operations, such as building an index concurrently, fall back)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, database: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": ""}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args, "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_migration_applies_and_unapplies_on_a_fresh_sqlite_database(tmp_path):
    database = tmp_path / "local.sqlite3"
    applied = manage("migrate", database=database)
    assert applied.returncode == 0, applied.stderr
    # The queue's online indexes, back and forth (the last ones added).
    back = manage("migrate", "campaigns", "0005", database=database)
    assert back.returncode == 0, back.stderr
    forth = manage("migrate", database=database)
    assert forth.returncode == 0, forth.stderr
