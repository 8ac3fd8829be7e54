"""Without ``DATABASE_URL``, ``manage.py`` (and ``bin/run``, ``bin/test``) use the local
PostgreSQL server of ``reactivate.localdb``: a real server, started from the wheel's binaries,
with its data in a folder of the test's own (``LOCAL_DATABASE_DIR``), never a developer's
``var/postgres``. One server is created for the module and shared by the tests that need
one; the bad-input tests check that their folder is left exactly as it was."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from reactivate import localdb

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    """``manage.py`` as a developer runs it: no DATABASE_URL, DEBUG on."""
    environment = {**os.environ, "LOCAL_DATABASE_DIR": str(data_dir), "DEBUG": "true", **env}
    if "DATABASE_URL" not in env:
        environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` with its mode, owner and content hash."""
    seen = {}
    for path in sorted([folder, *folder.rglob("*")]):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        seen[str(path.relative_to(folder))] = f"{info.st_mode:o} {info.st_uid} {digest}"
    return seen


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def wait_until(condition, seconds: float = 30) -> None:
    """Poll ``condition`` for at most ``seconds`` (a process's end is not an event we can
    wait on when it is not our child)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def scratch():
    """A folder for one test's data (removed after it). Not under pytest's tmp_path: run as
    root, the server's account must be able to reach it, and every pytest session makes
    /tmp/pytest-of-root private again (another session starting would lock it out)."""
    folder = Path(tempfile.mkdtemp(prefix="reactivate-localdb-"))
    yield folder
    localdb.stop(folder / "postgres")
    shutil.rmtree(folder)


def demo_count(data_dir: Path) -> str:
    shown = manage(
        "shell", "-c", "from reactivate.models import Practice; "
        "print(Practice.objects.filter(slug='demo').count())",
        data_dir=data_dir,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    return shown.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def demo_data_dir():
    """A fresh data folder, migrated and seeded through manage.py (which creates the server);
    shared by the tests that need a server (see ``scratch`` for where it lives)."""
    folder = Path(tempfile.mkdtemp(prefix="reactivate-localdb-"))
    data_dir = folder / "postgres"
    for step in (["migrate", "--noinput"], ["seed_demo"]):
        done = manage(*step, data_dir=data_dir)
        assert done.returncode == 0, done.stderr
    yield data_dir
    localdb.stop(data_dir)
    shutil.rmtree(folder)


def test_manage_py_without_database_url_creates_the_local_database_and_shows_the_demo(
    demo_data_dir,
):
    shown = manage("scoreboard", "--practice", "demo", "--json", data_dir=demo_data_dir)
    assert shown.returncode == 0, shown.stderr
    figures = json.loads(shown.stdout)
    assert figures["contacted"] > 0
    assert figures["decisions"] > 0
    assert (demo_data_dir / "PG_VERSION").read_text().strip() == localdb.server_major_version()


def test_the_local_database_keeps_its_data_when_the_server_is_stopped_and_started(
    demo_data_dir,
):
    localdb.stop(demo_data_dir)
    assert not (demo_data_dir / "postmaster.pid").exists()
    assert demo_count(demo_data_dir) == "1"


def test_after_a_kill_9_the_stale_pid_file_is_ignored_and_the_data_recovered(demo_data_dir):
    localdb.ensure_running(demo_data_dir)
    pid = int((demo_data_dir / "postmaster.pid").read_text().split()[0])
    # The server runs in its own session: its process group is the postmaster's pid.
    os.killpg(pid, signal.SIGKILL)
    wait_until(lambda: not Path(f"/proc/{pid}").exists())
    assert (demo_data_dir / "postmaster.pid").exists()
    assert demo_count(demo_data_dir) == "1"


def test_the_local_server_listens_on_no_tcp_port_so_a_taken_port_is_no_obstacle(
    demo_data_dir,
):
    localdb.stop(demo_data_dir)
    with socket.socket() as holder:
        # 5432 is taken already where a system PostgreSQL runs (CI); take it otherwise.
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            holder.bind(("127.0.0.1", 5432))
            holder.listen()
        except OSError:
            pass
        url = localdb.ensure_running(demo_data_dir)
        with psycopg.connect(url) as conn:
            assert conn.execute("SHOW listen_addresses").fetchone() == ("",)


def test_a_data_folder_from_an_older_postgresql_is_refused_and_left_as_it_was(scratch):
    data_dir = scratch / "postgres"
    data_dir.mkdir(mode=0o700)
    (data_dir / "PG_VERSION").write_text("16\n")
    (data_dir / "base").mkdir()
    (data_dir / "base" / "1").write_bytes(b"a PostgreSQL 16 table")
    before = snapshot(data_dir)

    done = manage("migrate", "--noinput", data_dir=data_dir)

    assert done.returncode == 1
    line = one_line(done.stderr)
    assert "holds PostgreSQL 16 data" in line
    assert "move the folder aside" in line
    assert snapshot(data_dir) == before


def test_a_non_empty_folder_without_postgresql_data_is_refused_and_left_as_it_was(scratch):
    data_dir = scratch / "postgres"
    data_dir.mkdir()
    (data_dir / "notes.txt").write_text("not a database")
    before = snapshot(data_dir)

    done = manage("migrate", "--noinput", data_dir=data_dir)

    assert done.returncode == 1
    assert "holds no PostgreSQL data" in one_line(done.stderr)
    assert snapshot(data_dir) == before


def test_a_server_still_running_for_a_deleted_data_folder_is_reported_not_doubled(scratch):
    data_dir = scratch / "postgres"
    localdb.ensure_running(data_dir)
    pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    shutil.rmtree(data_dir)
    try:
        done = manage("migrate", "--noinput", data_dir=data_dir)

        assert done.returncode == 1
        assert f"a PostgreSQL server (pid {pid}) still runs for the deleted" in one_line(
            done.stderr
        )
        assert not data_dir.exists()
    finally:
        os.kill(pid, signal.SIGQUIT)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_database_url_that_does_not_answer_gets_one_line_from_manage_py(scratch):
    port = free_port()
    done = manage(
        "migrate", "--noinput", data_dir=scratch / "postgres",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/reactivate",
    )  # fmt: skip
    assert done.returncode == 1
    assert one_line(done.stderr).startswith(f"the database at 127.0.0.1:{port} does not answer:")
    assert not (scratch / "postgres").exists()


def test_a_database_url_that_does_not_answer_gets_one_line_from_bin_run_s_check(scratch):
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "reactivate.localdb", "check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/reactivate"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert one_line(done.stderr).startswith(f"the database at 127.0.0.1:{port} does not answer:")


def test_with_debug_off_no_local_server_is_started_and_database_url_is_required(scratch):
    done = manage(
        "check", data_dir=scratch / "postgres",
        DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.org",
    )  # fmt: skip
    assert done.returncode != 0
    assert "DATABASE_URL must be set when DEBUG is off." in done.stderr
    assert not (scratch / "postgres").exists()
