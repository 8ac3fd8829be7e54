"""Shared fixtures. Tests run on PostgreSQL and Redis (see README: ``bin/test``)."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest
from django.conf import settings

from reactivate.localdb import database_url
from reactivate.models import Role
from tests.celery_worker import celery_worker_command
from tests.factories import MembershipFactory, PracticeFactory

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["tests.fake_twilio.fixtures"]
WORKER_QUEUES = ("celery", "imports", "outreach")


@pytest.fixture
def practice(db):
    return PracticeFactory(name="Harbor Dental", slug="harbor")


@pytest.fixture
def other_practice(db):
    return PracticeFactory(name="Elm Street Aesthetics", slug="elm")


@pytest.fixture
def member(practice):
    """Make a member of ``practice`` with a role: ``member(Role.OWNER)``."""

    def make(role: Role = Role.COORDINATOR, **kwargs):
        return MembershipFactory(practice=kwargs.pop("in_practice", practice), role=role, **kwargs)

    return make


@pytest.fixture
def client_for(client):
    """A test client logged in as the membership's user."""

    def login(membership):
        client.force_login(membership.user)
        return client

    return login


@pytest.fixture
def admin(client_for, member):
    """A test client logged in as an admin of ``practice``."""
    return client_for(member(Role.ADMIN))


def worker_database_url() -> str:
    # The test database's URL, a socket folder (the local server's) included.
    return database_url(settings.DATABASES["default"])


def celery_worker_start(
    fake_twilio_server, log_dir: Path, queues=WORKER_QUEUES, name: str = "test-worker", **env
) -> subprocess.Popen:
    """Start a real ``celery worker`` process (prefork, two children) on the test Redis and
    database, sending through the real SDK to ``fake_twilio_server``; ``env`` adds to or
    overrides its environment. Returns once it says it is ready; ``process.log_path`` is
    its log. The caller stops it."""
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "CONN_MAX_AGE": "0",
        # Small chunks, so a test can watch an import move.
        "IMPORT_CHUNK_ROWS": "50",
        "MESSAGING_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": fake_twilio_server.account_sid,
        "TWILIO_AUTH_TOKEN": fake_twilio_server.auth_token,
        "TWILIO_API_BASE_URL": fake_twilio_server.base_url,
        # Line types from the sandbox (mobile but for its magic numbers): the fake's
        # request log and failure switches stay the sends' (tests/outreach/test_line_check*).
        "NUMBER_CHECK_BACKEND": "sandbox",
        "OUTREACH_SEND_RATE": "0",
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        # The drop folders the test writes to (schedule.sources.files).
        "SCHEDULE_DROP_ROOT": str(settings.SCHEDULE_DROP_ROOT),
        **env,
    }
    process = subprocess.Popen(
        celery_worker_command(queues, name=name),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Block on the worker's own log until it says it is ready (no sleeping, no polling).
    startup = []
    for line in process.stdout:
        startup.append(line)
        if " ready." in line:
            break
    else:
        pytest.fail("The Celery worker exited before it was ready:\n" + "".join(startup))
    # Keep draining its output (to a file, for debugging) so a full pipe never blocks it.
    log_path = log_dir / "worker.log"

    def drain():
        with log_path.open("w") as log:
            log.writelines(startup)
            log.flush()  # readable at once, even if the worker logs nothing more
            for line in process.stdout:
                log.write(line)
                log.flush()

    threading.Thread(target=drain, daemon=True).start()
    process.log_path = log_path
    return process


@pytest.fixture
def broker():
    """The default queue on the test broker, emptied first; ``broker()`` takes what is
    queued on it since (task name, args)."""
    from reactivate.celery import app

    with app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_purge("celery")

        def taken():
            found = []
            while (message := channel.basic_get("celery", no_ack=True)) is not None:
                args, _kwargs, _embed = message.decode()
                found.append((message.headers["task"], args))
            return found

        yield taken


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory, fake_twilio_server):
    """A real ``celery worker`` process on Redis, using the test database.

    Started once per session; tests that use it must commit their data
    (``@pytest.mark.django_db(transaction=True)``) so the worker can see it. It sends
    through the real Twilio SDK to the session's fake Twilio (``fake_twilio_server``),
    without a rate limit.
    """
    from reactivate.celery import app

    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.exit("The worker tests need REDIS_URL (use bin/test).", returncode=2)
    # Tasks queued by earlier in-process tests (on_commit callbacks run by
    # django_capture_on_commit_callbacks) must not reach this worker.
    with app.connection_for_write() as conn:
        for queue in WORKER_QUEUES:
            conn.default_channel.queue_purge(queue)
    process = celery_worker_start(fake_twilio_server, tmp_path_factory.mktemp("worker"))
    yield process
    process.terminate()
    process.wait(timeout=30)
