"""The import wizard: upload → mapping and preview → start → progress → summary, report."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.importing import import_batch_run
from contacts.models import ImportBatch, ImportStatus
from reactivate.models import AuditEvent, Role
from tests.contacts.helpers import csv_bytes

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
    lines = list(csv.DictReader(io.StringIO(b"".join(report.streaming_content).decode())))
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
    assert "the limit is" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_coordinator_cannot_upload(client_for, member, practice):
    client = client_for(member(Role.COORDINATOR))
    response = upload(client, practice, csv_bytes(ROWS))
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()
