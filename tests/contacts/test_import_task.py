"""An import started in the wizard runs in a real Celery worker process.

The worker is held at a known point without sleeping: the test locks (``FOR NO KEY
UPDATE``) an existing contact that the file's second chunk updates, so the worker commits
chunk one (50 rows, the worker's ``IMPORT_CHUNK_ROWS``) and then waits on the lock. The test
learns of each committed chunk from the pipeline's ``pg_notify('contacts_import', ...)``.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.models import Contact, DuplicateCandidate, ImportBatch, ImportRow, ImportStatus
from reactivate.models import Role
from tests.conftest import worker_database_url
from tests.contacts.helpers import csv_bytes
from tests.factories import ContactFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROWS = 120
LOCKED_ROW = 60  # in the second chunk of 50
WAIT_SECONDS = 60  # a bound, so a broken worker fails the test instead of hanging it


# Households sharing a phone, each a duplicate candidate: one within the first chunk, one
# across the first and the last.
SHARED_PHONES = {1: "212-555-0101", 2: "212-555-0101", 10: "212-555-0110", 110: "212-555-0110"}


def _rows() -> list[list[str]]:
    return [
        [
            f"C-{i}",
            f"Pat{i}",
            f"Row{i}",
            SHARED_PHONES.get(i, ""),
            f"pat{i}@example.com",
            "",
            "NS",
            "",
        ]
        for i in range(1, ROWS + 1)
    ]


def url(name: str, practice, **kwargs) -> str:
    return reverse(f"contacts:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


@contextmanager
def listening() -> Iterator[psycopg.Connection]:
    with psycopg.connect(worker_database_url(), autocommit=True) as conn:
        conn.execute("LISTEN contacts_import")
        yield conn


def wait_for(conn: psycopg.Connection, batch_id: int, rows_done: int, status: str) -> None:
    """Block until the pipeline announces the batch's rows done and status."""
    for notify in conn.notifies(timeout=WAIT_SECONDS):
        if notify.payload == f"{batch_id}:{rows_done}:{status}":
            return
    pytest.fail(f"no notice of {rows_done} rows {status} within {WAIT_SECONDS} s")


@contextmanager
def contact_locked(contact: Contact) -> Iterator[None]:
    """Hold a row lock on a contact from another connection until the block ends."""
    with psycopg.connect(worker_database_url()) as conn:
        conn.execute(
            "SELECT id FROM contacts_contact WHERE id = %s FOR NO KEY UPDATE", [contact.pk]
        )
        yield
        conn.rollback()


def start_import(client, practice) -> ImportBatch:
    client.post(url("imports", practice), {"file": SimpleUploadedFile("x.csv", csv_bytes(_rows()))})
    batch = ImportBatch.objects.get()
    client.post(url("import_start", practice, batch_id=batch.pk), batch.mapping)
    return batch


@pytest.fixture
def locked_contact(practice):
    # Row 60 updates this patient (same EMR id, new name spelling and email).
    return ContactFactory(
        practice=practice,
        external_id=f"C-{LOCKED_ROW}",
        first_name="Patricia",
        last_name="Older",
        phone="",
        phone_valid=False,
    )


def _pool_children(worker_pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == worker_pid:
            children.append(int(stat.parent.name))
    return children


def test_progress_bar_advances_while_a_real_worker_imports(
    celery_worker_process, client_for, member, practice, locked_contact
):
    client = client_for(member(Role.ADMIN))
    with listening() as notices:
        with contact_locked(locked_contact):
            batch = start_import(client, practice)
            wait_for(notices, batch.pk, 50, ImportStatus.RUNNING)
            page = client.get(url("import_progress", practice, batch_id=batch.pk))
            assert "50 of 120 rows (42%)" in page.content.decode()
        wait_for(notices, batch.pk, ROWS, ImportStatus.DONE)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    page = client.get(url("import_progress", practice, batch_id=batch.pk))
    assert "120 of 120 rows (100%)" in page.content.decode()
    assert batch.summary["created"] == ROWS - 1 and batch.summary["updated"] == 1


def test_a_worker_killed_mid_import_resumes_without_losing_or_repeating_rows(
    celery_worker_process, client_for, member, practice, locked_contact
):
    client = client_for(member(Role.ADMIN))
    with listening() as notices:
        with contact_locked(locked_contact):
            batch = start_import(client, practice)
            wait_for(notices, batch.pk, 50, ImportStatus.RUNNING)
            # Kill the pool processes (one of them is applying chunk two) as an OOM kill
            # would; the message was acknowledged late, so the broker gives it out again.
            pool = _pool_children(celery_worker_process.pid)
            assert pool, "the worker has no pool processes to kill"
            for pid in pool:
                os.kill(pid, signal.SIGKILL)
        wait_for(notices, batch.pk, ROWS, ImportStatus.DONE)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert Contact.objects.filter(practice=practice).count() == ROWS
    rows = list(ImportRow.objects.filter(batch=batch).values_list("row", flat=True))
    assert sorted(rows) == list(range(1, ROWS + 1))
    locked_contact.refresh_from_db()
    assert locked_contact.first_name == f"Pat{LOCKED_ROW}"
    # Whether the worker died before or after the first chunk's candidates committed, the
    # resumed run has found every pair.
    pairs = DuplicateCandidate.objects.values_list(
        "contact_a__external_id", "contact_b__external_id"
    )
    assert set(pairs) == {("C-1", "C-2"), ("C-10", "C-110")}
    assert batch.candidates_through == ROWS
