"""The import wizard: upload → mapping and preview → start → progress → summary, report."""

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.import_runs import import_batch_run
from contacts.mapping import FIELDS
from contacts.models import ImportBatch, ImportStatus
from reactivate.models import AuditEvent, Role
from tests.contacts.helpers import HEADER, csv_bytes

ROWS = [
    ["A-1", "JANE", "DOE", "(212) 555-0101", "jane@example.com", "03/05/1980", "NS", ""],
    ["A-2", "Mary", "Major", "12345", "", "", "consult - no book", ""],
]


@pytest.fixture
def admin_client(client_for, member):
    return client_for(member(Role.ADMIN))


def url(name, practice, **kwargs):
    return reverse(f"contacts:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


def upload(client, practice, data, name="export.csv"):
    return client.post(url("imports", practice), {"file": SimpleUploadedFile(name, data)})


def test_upload_guesses_the_mapping_and_previews_normalized_rows(admin_client, practice):
    response = upload(admin_client, practice, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    assert response["Location"] == url("import_detail", practice, batch_id=batch.pk)
    page = admin_client.get(response["Location"])
    form = page.context["form"]
    assert form["phone"].initial == "Cell" and form["first_name"].initial == "Pt First Name"
    preview = page.context["preview"]
    assert preview[0].values["phone"] == "+12125550101"
    assert preview[0].values["first_name"] == "Jane"
    assert any("12345" in problem for problem in preview[1].problems)


def test_changing_the_mapping_refreshes_the_preview(admin_client, practice):
    upload(admin_client, practice, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    response = admin_client.post(
        url("import_preview", practice, batch_id=batch.pk),
        {"first_name": "Pt Last Name", "last_name": "Pt First Name", "phone": "Cell"},
        headers={"HX-Request": "true"},
    )
    assert response.context["preview"][0].values["first_name"] == "Doe"


def test_a_mapping_without_a_name_column_is_explained(admin_client, practice):
    upload(admin_client, practice, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    response = admin_client.post(
        url("import_preview", practice, batch_id=batch.pk), {"phone": "Cell"}
    )
    assert b"Map at least a first or last name column" in response.content


def test_starting_queues_the_batch_after_commit(
    admin_client, practice, django_capture_on_commit_callbacks
):
    upload(admin_client, practice, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks() as callbacks:
        admin_client.post(
            url("import_start", practice, batch_id=batch.pk),
            {
                "first_name": "Pt First Name",
                "last_name": "Pt Last Name",
                "phone": "Cell",
                "external_id": "Chart #",
            },
        )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.QUEUED
    assert batch.mapping["phone"] == "Cell"
    assert len(callbacks) == 1  # the task is sent only once the batch row is committed


def test_progress_and_summary_and_report(admin_client, practice):
    upload(admin_client, practice, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    batch.status = ImportStatus.QUEUED
    batch.save()
    progress = admin_client.get(url("import_progress", practice, batch_id=batch.pk))
    assert b"0 of" in progress.content
    import_batch_run(batch.pk)
    summary = admin_client.get(url("import_detail", practice, batch_id=batch.pk))
    assert b"Download the per-row report" in summary.content
    report = admin_client.get(url("import_report", practice, batch_id=batch.pk))
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert [line["result"] for line in lines] == ["created", "created"]
    assert AuditEvent.objects.filter(action="exported", object_type="contacts.importbatch").exists()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "empty"),
        (b"\x00\x01\x02binary\x00junk" * 20, "photo.csv", "does not look like a CSV or Excel"),
        (
            b"jane@example.com,212-555-0101\njohn@example.com,212-555-0102\n",
            "nohead.csv",
            "No header row",
        ),
        (b"Name,Phone\n\x81\x8d\x90 \x9d\n", "weird.csv", "encoding is not recognized"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", ".xls files are not"),
    ],
    ids=["empty", "binary", "no header", "unknown encoding", "old excel"],
)
def test_unreadable_files_get_a_clear_message_and_keep_nothing(
    admin_client, practice, data, name, message
):
    response = upload(admin_client, practice, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_size_limit_is_refused(admin_client, practice, settings):
    settings.IMPORT_MAX_BYTES = 1024
    response = upload(admin_client, practice, csv_bytes(ROWS * 40))
    assert "larger than 1 KB, the most one upload can be" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_coordinator_cannot_upload(client_for, member, practice):
    client = client_for(member(Role.COORDINATOR))
    response = upload(client, practice, csv_bytes(ROWS))
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


NO_PHONE_HEADER = ["Chart #", "First Name", "Last Name", "DOB", "Status"]
NO_PHONE_ROWS = [["A-1", "Jane", "Doe", "03/05/1980", "NS"], ["A-2", "Mary", "Major", "", ""]]


def test_an_export_without_a_phone_column_maps_previews_and_imports(admin_client, practice):
    upload(admin_client, practice, csv_bytes(NO_PHONE_ROWS, header=NO_PHONE_HEADER))
    batch = ImportBatch.objects.get()
    page = admin_client.get(url("import_detail", practice, batch_id=batch.pk))
    assert page.status_code == 200
    assert [row.cells[:3] for row in page.context["preview"]] == [
        ["A-1", "Jane", "Doe"],
        ["A-2", "Mary", "Major"],
    ]
    admin_client.post(url("import_start", practice, batch_id=batch.pk), batch.mapping)
    batch = import_batch_run(batch.pk)
    assert batch.status == ImportStatus.DONE
    assert batch.summary["created"] == 2


def test_unmapping_the_phone_still_previews_the_rows(admin_client, practice):
    upload(admin_client, practice, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    chosen = {name: "" for name in FIELDS} | {
        "external_id": "Chart #",
        "first_name": "Pt First Name",
        "last_name": "Pt Last Name",
    }
    response = admin_client.post(
        url("import_preview", practice, batch_id=batch.pk), chosen, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.context["mapping_error"] == ""
    assert [row.values["external_id"] for row in response.context["preview"]] == ["A-1", "A-2"]


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(chosen=st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(["", *HEADER])))
def test_any_mapping_a_person_can_choose_previews_and_imports(admin_client, practice, chosen):
    ImportBatch.objects.all().delete()
    upload(admin_client, practice, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    preview = admin_client.post(url("import_preview", practice, batch_id=batch.pk), chosen)
    assert preview.status_code == 200
    start = admin_client.post(url("import_start", practice, batch_id=batch.pk), chosen)
    assert start.status_code == 302
    batch.refresh_from_db()
    if preview.context["mapping_error"]:  # e.g. no name column: said on the page, not run
        assert batch.status == ImportStatus.UPLOADED
        return
    assert import_batch_run(batch.pk).status == ImportStatus.DONE


def test_an_upload_that_has_not_run_can_be_deleted_with_its_file(
    admin_client, practice, django_capture_on_commit_callbacks
):
    upload(admin_client, practice, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    stored = Path(batch.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("import_delete", practice, batch_id=batch.pk))
    assert response["Location"] == url("imports", practice)
    assert not ImportBatch.objects.exists()
    assert not stored.exists()
    event = AuditEvent.objects.get(action="deleted", object_type="contacts.importbatch")
    assert event.object_id == str(batch.pk)


def test_an_import_that_has_run_cannot_be_deleted(admin_client, practice):
    upload(admin_client, practice, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    batch.status = ImportStatus.QUEUED
    batch.save()
    import_batch_run(batch.pk)
    response = admin_client.post(url("import_delete", practice, batch_id=batch.pk), follow=True)
    assert "has started" in response.content.decode()
    assert ImportBatch.objects.filter(pk=batch.pk).exists()


def test_a_coordinator_cannot_delete_an_upload(admin_client, client_for, member, practice):
    upload(admin_client, practice, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    client = client_for(member(Role.COORDINATOR))
    response = client.post(url("import_delete", practice, batch_id=batch.pk))
    assert response.status_code == 403
    assert ImportBatch.objects.filter(pk=batch.pk).exists()
