"""Appointment exports (CSV and XLSX): what a practice system's export does once synced,
and how its columns, dates, times and status words are read."""

import csv
import datetime as dt
import random

import pytest
import time_machine
from openpyxl import Workbook

from campaigns.lifecycle import campaign_create, campaign_start
from campaigns.models import Enrollment, State
from schedule.models import Appointment, AppointmentChange, RunStatus, Source, SyncRun
from schedule.records import AppointmentRecord, Problem
from schedule.sources import files
from schedule.sync import AlreadySynced, summary
from tests.factories import ContactFactory
from tests.schedule.helpers import NEW_YORK, assert_booked

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)
NOON = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
HEADER = ["Appt #", "PatNum", "First Name", "Last Name", "Appt Date", "Appt Time", "Status"]


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def export(practice):
    return files.export_source(practice)


def write_csv(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def enrolled(practice, *external_ids):
    patients = [
        ContactFactory(practice=practice, external_id=external_id) for external_id in external_ids
    ]
    campaign = campaign_create(
        practice=practice, name="Winter", buckets=["inquiry"], start_date=TODAY
    )
    campaign_start(campaign, today=TODAY)
    return patients


def sync(export, path, **kwargs):
    return files.file_sync(export, path, trigger="upload", **kwargs)


# What a synced export does ---------------------------------------------------------------


def test_a_booked_patient_gets_no_more_texts_after_the_export_is_synced(practice, export, tmp_path):
    (patient,) = enrolled(practice, "1001")
    path = write_csv(
        tmp_path / "appointments.csv",
        [["A-1", "1001", "Ann", "Lee", "12/09/2026", "10:00 AM", "Scheduled"]],
    )

    run = sync(export, path)

    touches = assert_booked(patient, "skipped: booked for Wed 9 Dec 10:00 in Appointment export")
    assert run.status == RunStatus.SUCCEEDED
    assert summary(run) | {"touches_skipped": 0} == {
        "read": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "matched": 1,
        "unmatched": 0,
        "enrollments_scheduled": 1,
        "touches_skipped": 0,
        "showed": 0,
        "no_show": 0,
        "cancelled": 0,
        "errors": 0,
    }
    assert run.counts["touches_skipped"] == touches.count()


def test_the_same_file_twice_changes_nothing_the_second_time(practice, export, tmp_path):
    enrolled(practice, "1001")
    path = write_csv(
        tmp_path / "a.csv", [["A-1", "1001", "Ann", "Lee", "12/09/2026", "10:00", "Scheduled"]]
    )
    first = sync(export, path)

    with pytest.raises(AlreadySynced, match="already synced"):
        sync(export, tmp_path / "a.csv")

    assert SyncRun.objects.filter(source=export).count() == 1
    assert first.counts["created"] == 1
    assert AppointmentChange.objects.count() == 1


def test_an_older_version_arriving_after_a_newer_one_leaves_the_newer(export, tmp_path):
    header = [*HEADER, "Last Modified"]
    newer = write_csv(
        tmp_path / "newer.csv",
        [["A-1", "1001", "Ann", "Lee", "12/09/2026", "10:00", "Cancelled", "12/01/2026 09:00"]],
        header,
    )
    older = write_csv(
        tmp_path / "older.csv",
        [["A-1", "1001", "Ann", "Lee", "12/09/2026", "10:00", "Scheduled", "11/28/2026 15:00"]],
        header,
    )

    sync(export, newer)
    run = sync(export, older)

    appointment = Appointment.objects.get(key="A-1")
    assert appointment.status == "cancelled"
    assert appointment.source_updated_at == dt.datetime(2026, 12, 1, 9, tzinfo=NEW_YORK)
    assert run.counts["unchanged"] == 1


def test_a_time_in_the_spring_forward_gap_reads_as_the_practice_calendar_shows_it(export, tmp_path):
    # 8 March 2026, New York: clocks go from 2:00 to 3:00, so 2:30 never happens.
    path = write_csv(
        tmp_path / "a.csv", [["A-1", "1001", "Ann", "Lee", "2026-03-08", "2:30 AM", "Kept"]]
    )

    sync(export, path)

    start = Appointment.objects.get(key="A-1").start
    assert start == dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC)  # 3:30 EDT


def test_a_time_in_the_autumn_repeat_reads_as_the_first_of_the_two(export, tmp_path):
    # 1 November 2026, New York: 1:30 happens twice; the first is in daylight time.
    path = write_csv(
        tmp_path / "a.csv", [["A-1", "1001", "Ann", "Lee", "2026-11-01", "01:30", "Kept"]]
    )

    sync(export, path)

    start = Appointment.objects.get(key="A-1").start
    assert start == dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)  # 1:30 EDT


def test_a_time_with_its_own_offset_is_kept_as_given(export, tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [["A-1", "1001", "2026-12-09T10:00:00-08:00", "Booked"]],
        ["Appt #", "PatNum", "Start", "Status"],
    )

    sync(export, path)

    assert Appointment.objects.get(key="A-1").start == dt.datetime(2026, 12, 9, 18, tzinfo=dt.UTC)


def test_an_unknown_status_word_is_reported_and_the_appointment_kept_unapplied(
    practice, export, tmp_path
):
    (patient,) = enrolled(practice, "1001")
    path = write_csv(
        tmp_path / "a.csv", [["A-1", "1001", "Ann", "Lee", "12/09/2026", "10:00", "Pencilled"]]
    )

    run = sync(export, path)

    appointment = Appointment.objects.get(key="A-1")
    assert (appointment.status, appointment.status_word) == ("", "Pencilled")
    assert Enrollment.objects.get(contact=patient).state != State.SCHEDULED
    assert run.counts["errors"] == 1
    assert "'Pencilled' is not one we know" in run.errors[0]["message"]
    assert run.errors[0]["where"] == "row 1"


def test_the_sources_own_status_words_are_understood(export, tmp_path):
    export.mapping = {"status_words": {"Pencilled": "booked", "Gone": "nonsense"}}
    export.save()
    path = write_csv(
        tmp_path / "a.csv", [["A-1", "1001", "Ann", "Lee", "12/09/2026", "10:00", "pencilled"]]
    )

    run = sync(export, path)

    assert Appointment.objects.get(key="A-1").status == "booked"
    assert run.counts["errors"] == 0
    export.refresh_from_db()
    assert export.mapping["status_words"] == {"Pencilled": "booked", "Gone": "nonsense"}


def test_an_export_without_a_status_column_lists_bookings(export, tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [["A-1", "1001", "12/09/2026 2:15 PM"]],
        ["AptNum", "PatNum", "AptDateTime"],
    )

    sync(export, path)

    appointment = Appointment.objects.get(key="A-1")
    assert appointment.status == "booked"
    assert appointment.start == dt.datetime(2026, 12, 9, 14, 15, tzinfo=NEW_YORK)


def test_an_unknown_patient_is_listed_unmatched_with_the_reason(export, tmp_path):
    path = write_csv(
        tmp_path / "a.csv", [["A-1", "9999", "Nobody", "Known", "12/09/2026", "10:00", "Booked"]]
    )

    run = sync(export, path)

    appointment = Appointment.objects.get(key="A-1")
    assert appointment.contact is None
    assert appointment.match_note.startswith("No patient has this EMR id")
    assert (summary(run)["matched"], summary(run)["unmatched"]) == (0, 1)


def test_a_row_without_an_appointment_id_is_reported_and_the_rest_applied(export, tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["", "1001", "Ann", "Lee", "12/09/2026", "10:00", "Booked"],
            ["A-2", "1002", "Bob", "Ray", "12/10/2026", "11:00", "Booked"],
        ],
    )

    run = sync(export, path)

    assert list(Appointment.objects.values_list("key", flat=True)) == ["A-2"]
    assert run.errors == [
        {"where": "row 1", "message": "The row has no appointment id: it was skipped."}
    ]
    assert run.status == RunStatus.SUCCEEDED


def test_an_unreadable_date_is_reported_without_the_patients_details(export, tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["A-1", "1001", "Ann", "Lee", "next tuesday-ish", "10:00", "Booked"],
            ["A-2", "1002", "Bob", "Ray", "12/10/2026", "25:99", "Booked"],
            ["A-3", "1003", "Cy", "Day", "12/10/2026", "11:00", "Booked"],
        ],
    )

    run = sync(export, path)

    assert list(Appointment.objects.values_list("key", flat=True)) == ["A-3"]
    assert [error["where"] for error in run.errors] == ["row 1", "row 2"]
    assert "not understood" in run.errors[0]["message"]
    assert "the time '25:99' is not understood" in run.errors[1]["message"]
    assert not any(name in str(run.errors) for name in ("Ann", "Lee", "Bob", "1001"))


def test_day_first_dates_are_read_day_first_in_a_day_first_column(export, tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["A-1", "1001", "Ann", "Lee", "09/12/2026", "10:00", "Booked"],
            ["A-2", "1002", "Bob", "Ray", "25/12/2026", "11:00", "Booked"],
        ],
    )

    sync(export, path)

    assert Appointment.objects.get(key="A-1").start.date() == dt.date(2026, 12, 9)


def test_an_xlsx_export_syncs_with_its_date_and_time_cells(export, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Appointment ID",
            "Chart #",
            "Appointment Date",
            "Appointment Time",
            "Status",
            "Provider",
            "Operatory",
            "Procedure",
        ]
    )
    sheet.append(
        [
            "77",
            "1001",
            dt.datetime(2026, 12, 9),
            dt.time(10, 30),
            "Confirmed",
            "Dr Sun",
            "Op 2",
            "Implant consult",
        ]
    )
    path = tmp_path / "export.xlsx"
    book.save(path)

    run = sync(export, path)

    appointment = Appointment.objects.get(key="77")
    assert appointment.start == dt.datetime(2026, 12, 9, 10, 30, tzinfo=NEW_YORK)
    assert (appointment.status, appointment.provider, appointment.location) == (
        "booked",
        "Dr Sun",
        "Op 2",
    )
    assert appointment.appointment_type == "Implant consult"
    assert appointment.patient_external_id == "1001"
    assert run.counts["created"] == 1


def test_a_garbage_file_fails_the_sync_with_a_clear_sentence(export, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(random.Random(16).randbytes(20_000))

    with pytest.raises(ValueError, match="does not look like a CSV or Excel file"):
        sync(export, path)

    run = SyncRun.objects.get(source=export)
    assert run.status == RunStatus.FAILED
    assert run.errors[-1]["message"] == "This does not look like a CSV or Excel file."


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02",
        b"<html><body>Login</body></html>",
        b"PK\x03\x04broken zip",
        b"just,one,header\n",
        "Appt #,Chart\n\u00e9\u00e8,1\n".encode("utf-16"),
    ],
    ids=["binary", "web page", "broken xlsx", "no date column", "utf-16"],
)
def test_a_file_that_is_not_an_export_gets_one_clear_sentence(export, tmp_path, content):
    path = tmp_path / "export.csv"
    path.write_bytes(content)

    with pytest.raises(ValueError) as raised:
        sync(export, path)

    message = str(raised.value)
    assert message.endswith(".") and "\n" not in message and "Traceback" not in message


def test_a_nul_byte_in_a_cell_does_not_crash(export, tmp_path):
    path = tmp_path / "a.csv"
    head = ",".join(HEADER).encode()
    row_ok = b"A-2,1002,Bob,Ray,12/10/2026,11:00,Booked"
    # Past the sniffed head, so the file opens and the one row is reported.
    path.write_bytes(
        head + b"\n" + (row_ok + b"\n") * 1 + b"x" * 70_000 + b"\n" + b"A-1,1\x00,Ann\n"
    )

    run = sync(export, path)

    assert Appointment.objects.filter(key="A-2").exists()
    assert any("NUL" in error["message"] for error in run.errors)


# The mapping ------------------------------------------------------------------------------


def test_practice_system_headers_are_guessed(export):
    headers = [
        "AptNum",
        "PatNum",
        "Appt Date",
        "Appt Time",
        "AptStatus",
        "Prov",
        "Op",
        "ProcDescript",
        "DateTStamp",
    ]

    assert files.mapping_for(export, headers, None) == {
        "appointment_id": "AptNum",
        "patient_external_id": "PatNum",
        "date": "Appt Date",
        "time": "Appt Time",
        "status": "AptStatus",
        "provider": "Prov",
        "location": "Op",
        "appointment_type": "ProcDescript",
        "updated_at": "DateTStamp",
    }


def test_a_mapping_naming_a_column_not_in_the_file_says_so(export):
    with pytest.raises(ValueError, match=r"Column\(s\) not in the file: Visit No\."):
        files.mapping_for(export, HEADER, {"appointment_id": "Visit No"})


def test_an_export_without_an_appointment_id_column_says_what_to_map(export):
    with pytest.raises(ValueError, match="appointment id"):
        files.mapping_for(export, ["Patient", "Appt Date"], None)


def test_an_export_without_a_date_column_says_what_to_map(export):
    with pytest.raises(ValueError, match="date and time"):
        files.mapping_for(export, ["Appt #", "Patient"], None)


def test_the_mapping_used_is_kept_and_read_the_same_way_next_time(export, tmp_path):
    header = ["Visit No", "Patient", "When", "Status"]
    path = write_csv(tmp_path / "a.csv", [["V1", "1001", "12/09/2026 10:00", "Booked"]], header)

    sync(
        export,
        path,
        mapping={"appointment_id": "Visit No", "start": "When", "patient_external_id": "Patient"},
    )
    export.refresh_from_db()

    assert files.mapping_for(export, header, None) == {
        "appointment_id": "Visit No",
        "patient_external_id": "Patient",
        "start": "When",
        "status": "Status",
    }


def test_the_preview_shows_the_first_rows_as_the_sync_reads_them(export, tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["A-1", "1001", "Ann", "Lee", "12/09/2026", "10:00", "Booked"],
            ["", "1002", "Bob", "Ray", "12/10/2026", "11:00", "Booked"],
            ["A-3", "1003", "Cy", "Day", "12/11/2026", "11:00", "Booked"],
        ],
    )
    mapping = files.mapping_for(export, files.file_headers(path), None)

    preview = files.file_preview(export, path, mapping=mapping, rows=2)

    assert [type(item) for item in preview] == [AppointmentRecord, Problem]
    assert preview[0].start == dt.datetime(2026, 12, 9, 10, tzinfo=NEW_YORK)
    assert preview[0].where == "row 1" and preview[1].where == "row 2"
    assert not Appointment.objects.exists()


def test_the_export_source_is_one_per_practice(practice):
    assert files.export_source(practice) == files.export_source(practice)
    assert Source.objects.get().name == "Appointment export"
