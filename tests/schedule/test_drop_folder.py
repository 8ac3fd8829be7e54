"""The drop folder: a practice system's scheduled report (or an SFTP drop) lands in the
practice's folder and beat syncs it, once, then moves it aside with its report."""

import csv
import datetime as dt
import json
import os
import shutil
import time

import pytest
import time_machine
from django.utils import timezone

from campaigns.lifecycle import campaign_create, campaign_start
from schedule.models import Appointment, RunStatus, SyncRun
from schedule.sources import files
from schedule.sync import RUN_SILENT_AFTER
from tests.factories import ContactFactory, PracticeFactory
from tests.schedule.helpers import assert_booked

HEADER = ["Appt #", "PatNum", "Appt Date", "Appt Time", "Status"]
NOON = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def root(settings, tmp_path):
    settings.SCHEDULE_DROP_ROOT = tmp_path / "drop"
    return settings.SCHEDULE_DROP_ROOT


def drop(folder, name, rows, *, age=60.0, header=HEADER):
    """A file that landed ``age`` seconds ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    landed = time.time() - age
    os.utime(path, (landed, landed))
    return path


def names(folder):
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


ROW = ["A-1", "1001", "12/09/2026", "10:00", "Scheduled"]


@pytest.mark.django_db
class TestOnePass:
    @pytest.fixture(autouse=True)
    def _now(self):
        with time_machine.travel(NOON, tick=False):
            yield

    def test_a_dropped_export_is_synced_and_moved_aside_with_its_report(self, practice, root):
        folder = files.drop_folder(practice)
        drop(folder, "appointments.csv", [ROW])

        assert files.drop_folders_poll() == 1

        assert Appointment.objects.get().key == "A-1"
        (done, report_name) = names(folder / "processed")
        assert done.endswith("-appointments.csv") and report_name == f"{done}.report.json"
        report = json.loads((folder / "processed" / report_name).read_text())
        assert report["file"] == "appointments.csv"
        assert report["status"] == RunStatus.SUCCEEDED
        assert report["summary"]["created"] == 1 and report["errors"] == []
        assert names(folder) == ["processed", "processing"]
        assert names(folder / "processing") == []
        assert SyncRun.objects.get().trigger == "drop folder"

    def test_a_file_still_arriving_is_left_for_the_next_pass(self, practice, root):
        folder = files.drop_folder(practice)
        drop(folder, "appointments.csv", [ROW], age=1)

        assert files.drop_folders_poll() == 0

        assert "appointments.csv" in names(folder)
        assert not Appointment.objects.exists()

    def test_dotfiles_partial_uploads_and_other_files_are_left_alone(self, practice, root):
        folder = files.drop_folder(practice)
        for name in (".appointments.csv", "appointments.csv.filepart", "notes.txt"):
            drop(folder, name, [ROW])

        assert files.drop_folders_poll() == 0

        assert names(folder) == [".appointments.csv", "appointments.csv.filepart", "notes.txt"]

    def test_the_same_file_dropped_again_is_moved_aside_saying_so(self, practice, root):
        folder = files.drop_folder(practice)
        drop(folder, "monday.csv", [ROW])
        files.drop_folders_poll()
        drop(folder, "tuesday.csv", [ROW])

        assert files.drop_folders_poll() == 1

        reports = [
            json.loads((folder / "processed" / name).read_text())
            for name in names(folder / "processed")
            if name.endswith("-tuesday.csv.report.json")
        ]
        assert reports[0]["status"] == "already synced"
        assert "already synced" in reports[0]["message"]
        assert SyncRun.objects.count() == 1

    def test_a_file_that_cannot_be_read_goes_to_failed_with_its_report(self, practice, root):
        folder = files.drop_folder(practice)
        path = folder / "export.xlsx"
        folder.mkdir(parents=True)
        path.write_bytes(b"PK\x03\x04 not a workbook")
        os.utime(path, (time.time() - 60,) * 2)

        assert files.drop_folders_poll() == 1

        failed = names(folder / "failed")
        assert len(failed) == 2
        report = json.loads((folder / "failed" / failed[1]).read_text())
        assert report["status"] == "failed"
        assert report["message"] == "This .xlsx file is damaged or not an Excel workbook."

    def test_a_file_left_in_processing_by_a_killed_worker_is_synced_by_a_later_pass(
        self, practice, root
    ):
        processing = files.drop_folder(practice) / "processing"
        stale = time.time() - RUN_SILENT_AFTER.total_seconds() - 60
        left = drop(processing, "20261201T100000000000Z-appointments.csv", [ROW])
        os.utime(left, (stale, stale))
        # Claimed a moment ago by a worker still at it: not taken from it.
        drop(processing, "20261201T115959000000Z-other.csv", [["B-1", "1", "12/9/2026", "9:00"]])

        assert files.drop_folders_poll() == 1

        assert list(Appointment.objects.values_list("key", flat=True)) == ["A-1"]
        report = json.loads(
            next((processing.parent / "processed").glob("*.report.json")).read_text()
        )
        assert report["file"] == "appointments.csv"
        assert names(processing) == ["20261201T115959000000Z-other.csv"]

    def test_a_long_sync_still_beating_keeps_its_file(self, practice, root):
        processing = files.drop_folder(practice) / "processing"
        left = drop(processing, "20261201T100000000000Z-big.csv", [ROW])
        stale = time.time() - RUN_SILENT_AFTER.total_seconds() - 60
        os.utime(left, (stale, stale))
        SyncRun.objects.create(
            practice=practice,
            source=files.export_source(practice),
            trigger="drop folder",
            started_at=timezone.now() - RUN_SILENT_AFTER * 2,
            heartbeat_at=timezone.now(),
        )

        assert files.drop_folders_poll() == 0

        assert names(processing) == ["20261201T100000000000Z-big.csv"]

    def test_the_drop_folder_reads_the_report_with_the_mapping_of_the_upload(
        self, practice, root, tmp_path
    ):
        header = ["Visit No", "Patient", "When"]
        upload = drop(tmp_path, "upload.csv", [["V1", "1", "12/9/2026 9:00"]], header=header)
        source = files.export_source(practice)
        files.file_sync(
            source,
            upload,
            trigger="upload",
            mapping={"appointment_id": "Visit No", "start": "When"},
        )
        drop(
            files.drop_folder(practice),
            "report.csv",
            [["V2", "1", "12/10/2026 9:00"]],
            header=header,
        )

        assert files.drop_folders_poll() == 1

        assert sorted(Appointment.objects.values_list("key", flat=True)) == ["V1", "V2"]

    def test_each_practice_reads_only_its_own_folder(self, practice, root):
        other = PracticeFactory(slug="elm")
        drop(files.drop_folder(other), "appointments.csv", [ROW])
        drop(root / "no-such-practice", "appointments.csv", [ROW])

        assert files.drop_folders_poll() == 1

        assert Appointment.objects.get().practice == other
        assert "appointments.csv" in names(root / "no-such-practice")

    def test_no_drop_root_is_nothing_to_do(self, practice, root):
        assert files.drop_folders_poll() == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_file_dropped_in_the_folder_is_synced_by_the_worker_and_the_patient_gets_no_more_texts(
    celery_worker_process, practice
):
    from schedule.tasks import sweep

    patient = ContactFactory(practice=practice, external_id="1001")
    today = timezone.localdate(timezone.now(), practice.time_zone)
    campaign = campaign_create(
        practice=practice, name="Winter", buckets=["inquiry"], start_date=today
    )
    campaign_start(campaign, today=today)
    when = today + dt.timedelta(days=8)
    # The worker reads the same folder (tests/conftest.py passes SCHEDULE_DROP_ROOT), which
    # outlives the test: what an earlier run left there goes first.
    folder = files.drop_folder(practice)
    shutil.rmtree(folder, ignore_errors=True)
    drop(folder, "scheduled-report.csv", [["A-1", "1001", when.isoformat(), "10:00", "Booked"]])

    # Results are off by default (CELERY_TASK_IGNORE_RESULT): kept for this one.
    result = sweep.apply_async(ignore_result=False).get(timeout=60)

    assert result["files"] == 1
    processed = names(folder / "processed")
    assert len(processed) == 2 and processed[1].endswith("-scheduled-report.csv.report.json")
    report = json.loads((folder / "processed" / processed[1]).read_text())
    assert report["summary"]["enrollments_scheduled"] == 1
    booked_for = f"{when:%a} {when.day} {when:%b} 10:00"
    assert_booked(patient, f"skipped: booked for {booked_for} in Appointment export")
