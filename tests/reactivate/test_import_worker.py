"""The interpreter tuning for imports (garbage collector off, 1 ms thread switches) is set
in a worker that runs imports only, never in one that shares queues with other work."""

import time

import psycopg
import pytest

from contacts.import_batches import import_batch_start
from contacts.models import ImportBatch, ImportStatus
from contacts.tasks import import_run
from reactivate.celery import import_worker
from tests.conftest import celery_worker_start, worker_database_url
from tests.contacts.helpers import csv_bytes, upload

WAIT_SECONDS = 60  # a bound, so a broken worker fails the test instead of hanging it
TUNED = "import worker: garbage collector off"  # its main process, before it is ready
TUNED_CHILD = "tuned for imports"  # each pool process


def test_only_a_worker_for_the_imports_queue_alone_is_an_import_worker():
    assert import_worker(["imports"])
    assert not import_worker(["celery", "imports", "outreach"])
    assert not import_worker(["imports", "outreach"])
    assert not import_worker(["celery"])


def _log_until(process, text: str) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        log = process.log_path.read_text() if process.log_path.exists() else ""
        if text in log:
            return log
        process.poll()
        assert process.returncode is None, log
    pytest.fail(f"the worker never logged {text!r}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_imports_only_worker_starts_tuned_and_imports(practice, fake_twilio_server, tmp_path):
    process = celery_worker_start(
        fake_twilio_server, tmp_path, queues=("imports",), name="import-worker"
    )
    try:
        _log_until(process, TUNED)
        batch = upload(practice, csv_bytes([["A-1", "Ann", "Lee", "212-555-0101", "", "", "", ""]]))
        import_batch_start(batch=batch, mapping=batch.mapping)
        with psycopg.connect(worker_database_url(), autocommit=True) as conn:
            conn.execute("LISTEN contacts_import")
            import_run.delay(batch.pk)
            for notify in conn.notifies(timeout=WAIT_SECONDS):
                if notify.payload == f"{batch.pk}:1:{ImportStatus.DONE}":
                    break
        assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.DONE
        _log_until(process, TUNED_CHILD)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_sharing_queues_keeps_python_defaults(celery_worker_process):
    _log_until(celery_worker_process, " ready.")
    log = celery_worker_process.log_path.read_text()
    assert TUNED not in log
    assert TUNED_CHILD not in log
