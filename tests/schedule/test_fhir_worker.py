"""FHIR syncs in real processes: beat's sync runs in the Celery worker, and a sync whose
process is killed half-way resumes at the next sync with nothing applied twice.

The kill is placed without sleeping: the fake FHIR server holds its answer to page 2, and
says when page 2 was asked for — which the reader does only after page 1 was committed.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from campaigns.lifecycle import campaign_create, campaign_start
from campaigns.models import Enrollment, Outcome, OutcomeKind, State
from schedule.models import Appointment, AppointmentChange, RunStatus, SyncRun
from schedule.sources.fhir import fhir_source, fhir_sync, fhir_syncs_due
from tests.conftest import ROOT, worker_database_url
from tests.factories import ContactFactory
from tests.fake_fhir import fixtures
from tests.fake_fhir.resources import appointment, patient

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
fake_fhir_server, fake_fhir = fixtures.fake_fhir_server, fixtures.fake_fhir
WAIT_SECONDS = 60  # a bound, so a broken worker fails the test instead of hanging it
PAGE = 100  # the reader's page size outside tests' settings (the worker's, the command's)


def schedule(fake, n: int) -> None:
    """``n`` booked appointments next week, a second apart in ``meta.lastUpdated``."""
    now = timezone.now()
    for i in range(1, n + 1):
        fake.put(
            appointment(
                f"a{i}",
                patient=f"p{i}",
                start=now + dt.timedelta(days=7),
                last_updated=now - dt.timedelta(seconds=n + 5 - i),
            ),
            patient(f"p{i}", mrn=f"MRN-{i}", family=f"Family{i}"),
        )


def enroll(practice, *mrns: str) -> dict[str, Enrollment]:
    contacts = {mrn: ContactFactory(practice=practice, external_id=mrn) for mrn in mrns}
    # The practice's today: on an evening in New York the UTC date is already tomorrow, and
    # a campaign starting then would not have started when the patient booked.
    today = timezone.localdate(timezone.now(), practice.time_zone)
    campaign = campaign_create(
        practice=practice, name="Winter", buckets=["inquiry"], start_date=today
    )
    campaign_start(campaign)
    return {mrn: Enrollment.objects.get(contact=c) for mrn, c in contacts.items()}


def test_a_sync_beat_queues_runs_in_the_worker(practice, fake_fhir, celery_worker_process):
    enrollment = enroll(practice, "MRN-2")["MRN-2"]
    schedule(fake_fhir, 3)
    source = fhir_source(practice, base_url=fake_fhir.base_url)

    assert fhir_syncs_due() == 1

    deadline = time.monotonic() + WAIT_SECONDS
    while not SyncRun.objects.filter(source=source).exclude(status=RunStatus.RUNNING).exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not sync within {WAIT_SECONDS} s")
        time.sleep(0.05)  # polling the database for the worker's result, with a deadline
    run = SyncRun.objects.get(source=source)
    assert (run.status, run.trigger, run.counts["created"]) == (RunStatus.SUCCEEDED, "beat", 3)
    enrollment.refresh_from_db()
    assert enrollment.state == State.SCHEDULED


def test_a_sync_killed_after_page_one_resumes_with_nothing_applied_twice(practice, fake_fhir):
    enrollments = enroll(practice, "MRN-1", f"MRN-{PAGE + 20}")
    schedule(fake_fhir, PAGE + 50)
    source = fhir_source(practice, base_url=fake_fhir.base_url)
    fake_fhir.block_page(2)
    sync = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "sync_appointments",
            "--practice",
            practice.slug,
            "--fhir-base-url",
            fake_fhir.base_url,
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": worker_database_url(), "CONN_MAX_AGE": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert fake_fhir.wait_for_page(WAIT_SECONDS), "the sync never asked for page 2"
        sync.kill()
        sync.wait(WAIT_SECONDS)
    finally:
        fake_fhir.release()
        if sync.poll() is None:
            sync.kill()
    assert Appointment.objects.count() == PAGE
    assert SyncRun.objects.get().status == RunStatus.RUNNING  # until the reaper fails it
    source.refresh_from_db()
    first = Enrollment.objects.get(pk=enrollments["MRN-1"].pk)
    assert first.state == State.SCHEDULED
    scheduled_before = Outcome.objects.filter(kind=OutcomeKind.SCHEDULED).count()

    run = fhir_sync(source, trigger="test")

    assert run.status == RunStatus.SUCCEEDED
    assert (run.counts["created"], run.counts["unchanged"]) == (50, 1)
    assert Appointment.objects.count() == PAGE + 50
    assert AppointmentChange.objects.count() == PAGE + 50  # each appointment's story once
    assert Outcome.objects.filter(kind=OutcomeKind.SCHEDULED).count() == scheduled_before + 1
    later = Enrollment.objects.get(pk=enrollments[f"MRN-{PAGE + 20}"].pk)
    assert later.state == State.SCHEDULED
