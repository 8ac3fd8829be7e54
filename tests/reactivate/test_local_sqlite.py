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
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_migration_applies_and_unapplies_on_a_fresh_sqlite_database(tmp_path):
    database = tmp_path / "local.sqlite3"
    applied = manage("migrate", "--noinput", database=database)
    assert applied.returncode == 0, applied.stderr
    # The queue's online indexes, back and forth (the last ones added).
    back = manage("migrate", "campaigns", "0005", "--noinput", database=database)
    assert back.returncode == 0, back.stderr
    forth = manage("migrate", "--noinput", database=database)
    assert forth.returncode == 0, forth.stderr


PAGES = """
from django.contrib.auth import get_user_model
from django.test import Client
from reactivate.models import Practice
slug = Practice.objects.get().slug
for username, path in [
    ("coordinator", f"/p/{slug}/queue/"),
    ("coordinator", f"/p/{slug}/contacts/"),
    ("owner", f"/p/{slug}/scoreboard/"),
]:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    print(path, client.get(path, HTTP_HOST="127.0.0.1").status_code)
"""


def test_the_demos_pages_render_on_a_fresh_sqlite_database(tmp_path):
    # What a developer sees first after bin/run: the seeded demo, on SQLite.
    database = tmp_path / "local.sqlite3"
    for step in (["migrate", "--noinput"], ["seed_demo"]):
        done = manage(*step, database=database)
        assert done.returncode == 0, done.stderr
    shown = manage("shell", "-c", PAGES, database=database)
    assert shown.returncode == 0, shown.stderr
    statuses = [line.split() for line in shown.stdout.splitlines() if line.startswith("/p/")]
    assert [status for _path, status in statuses] == ["200"] * 3, shown.stdout
