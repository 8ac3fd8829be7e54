"""Uploading an appointment export: the file, its columns, its first rows as they will be
read, and the sync queued for the worker, whose result the page then shows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reactivate.models import AuditEvent, Role
from schedule import page_tasks
from schedule.models import Appointment, SyncRun
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

EXPORT = (
    b"Appt #,Chart,First Name,Last Name,Appt Date,Appt Time,Status,Provider\r\n"
    b"901,C-1,Jane,Doe,12/09/2026,10:00,Scheduled,Dr Lee\r\n"
    b"902,C-2,John,Roe,12/10/2026,14:30,Waitlisted,Dr Lee\r\n"
    b"903,C-3,Ann,Poe,not a date,09:00,Complete,Dr Lee\r\n"
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def url(name: str, practice, **kwargs) -> str:
    return reverse(f"schedule:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


def upload(client, practice, content: bytes = EXPORT, name: str = "appointments.csv"):
    return client.post(url("upload", practice), {"file": SimpleUploadedFile(name, content)})


@pytest.fixture
def admin(client_for, member, media):
    return client_for(member(Role.ADMIN))


def test_an_uploaded_export_goes_to_its_columns_with_the_guesses_chosen(admin, practice):
    response = upload(admin, practice)
    assert response.status_code == 302
    assert response["Location"] == url("upload_mapping", practice)
    page = admin.get(response["Location"])
    form = page.context["form"]
    assert form["appointment_id"].initial == "Appt #"
    assert form["date"].initial == "Appt Date"
    assert form["time"].initial == "Appt Time"
    assert form.fields["appointment_id"].label == "Appointment id"
    assert b"Appointment id" in page.content


def test_the_preview_shows_status_in_words_and_problems_as_sentences(admin, practice):
    upload(admin, practice)
    page = admin.get(url("upload_mapping", practice))
    rows = page.context["preview"]
    assert rows[0]["status"] == "Booked"
    assert rows[0]["start"].hour == 10  # read in the practice's zone, shown in it
    assert rows[1]["status"] == "Not known: “Waitlisted”"
    assert "skipped" in rows[2]["problem"]
    content = page.content.decode()
    assert "Booked" in content and "Not read:" in content


def test_a_mapping_without_the_appointment_id_is_refused_in_words(admin, practice):
    upload(admin, practice)
    data = {"appointment_id": "", "date": "Appt Date", "action": "sync"}
    response = admin.post(url("upload_mapping", practice), data, follow=True)
    assert response.status_code == 200
    assert "Map the column that holds the appointment id" in response.content.decode()
    assert not SyncRun.objects.exists()


def test_a_file_that_is_not_a_table_is_refused_and_not_kept(admin, practice, media):
    response = upload(admin, practice, b"\x00\x01\x02 binary \xff\xfe", name="photo.png")
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not any(p.is_file() for p in (media / page_tasks.UPLOADS).rglob("*"))


def test_a_file_over_the_limit_is_refused_while_it_arrives(admin, practice, settings):
    settings.IMPORT_MAX_BYTES = 1024
    response = upload(admin, practice, EXPORT * 40)
    assert response.status_code == 200
    assert "larger than" in response.content.decode()


def test_sync_queues_the_file_for_the_worker_after_the_commit(
    admin, practice, broker, django_capture_on_commit_callbacks
):
    upload(admin, practice)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            url("upload_mapping", practice),
            {
                "appointment_id": "Appt #",
                "date": "Appt Date",
                "time": "Appt Time",
                "action": "sync",
            },
        )
    assert response["Location"] == url("upload_waiting", practice)
    [(task, args)] = broker()
    assert task == "schedule.page_tasks.upload_sync"
    assert args[1].startswith(f"{practice.slug}/") and args[3] == "appointments.csv"
    # Waiting for the worker: the page says so.
    assert "being read" in admin.get(url("upload_waiting", practice)).content.decode()


def test_the_synced_upload_leads_to_its_runs_summary_and_is_deleted(
    admin, practice, broker, django_capture_on_commit_callbacks, media
):
    ContactFactory(practice=practice, external_id="C-1", first_name="Jane", last_name="Doe")
    upload(admin, practice)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            url("upload_mapping", practice),
            {
                "appointment_id": "Appt #",
                "date": "Appt Date",
                "time": "Appt Time",
                "patient_external_id": "Chart",
                "status": "Status",
                "action": "sync",
            },
        )
    [(_task, args)] = broker()
    page_tasks.upload_sync(*args)  # what the worker does
    response = admin.get(url("upload_waiting", practice))
    run = SyncRun.objects.get(practice=practice)
    assert response["Location"] == url("run", practice, run_id=run.pk)
    summary = admin.get(response["Location"]).content.decode()
    assert "Succeeded" in summary and "Waitlisted" in summary
    assert Appointment.objects.filter(practice=practice, contact__isnull=False).count() == 1
    assert not any(p.is_file() for p in (media / page_tasks.UPLOADS).rglob("*"))


def test_the_same_file_synced_twice_says_so_and_changes_nothing(
    admin, practice, broker, django_capture_on_commit_callbacks
):
    for _ in range(2):
        upload(admin, practice)
        with django_capture_on_commit_callbacks(execute=True):
            admin.post(
                url("upload_mapping", practice),
                {"appointment_id": "Appt #", "date": "Appt Date", "action": "sync"},
            )
        [(_task, args)] = broker()
        page_tasks.upload_sync(*args)
        response = admin.get(url("upload_waiting", practice), follow=True)
    assert "already synced" in response.content.decode()
    assert SyncRun.objects.filter(practice=practice).count() == 1


def test_deleting_an_upload_before_it_syncs_removes_its_file(admin, practice, media):
    upload(admin, practice)
    response = admin.post(url("upload_cancel", practice), follow=True)
    assert "deleted" in response.content.decode()
    assert not any(p.is_file() for p in (media / page_tasks.UPLOADS).rglob("*"))
    assert admin.get(url("upload_mapping", practice))["Location"] == url("upload", practice)


def test_the_upload_is_audited_without_the_files_name(admin, practice):
    upload(admin, practice, name="Doe-Jane.csv")
    event = AuditEvent.objects.get(practice=practice, action="imported")
    assert "Doe" not in str(event.detail)


def test_a_coordinator_cannot_upload(client_for, member, practice, media):
    client = client_for(member(Role.COORDINATOR))
    assert client.get(url("upload", practice)).status_code == 403
    assert upload(client, practice).status_code == 403


def test_an_owner_sees_the_page_but_cannot_upload(client_for, member, practice, media):
    client = client_for(member(Role.OWNER))
    page = client.get(url("upload", practice))
    assert page.status_code == 200 and b"An admin uploads" in page.content
    assert upload(client, practice).status_code == 403
