"""What the import wizard shows an admin: the preview in words, the summary, the report."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.import_runs import import_batch_run
from contacts.models import ImportBatch, ImportStatus
from reactivate.models import Role
from tests.contacts.helpers import HEADER, csv_bytes

pytestmark = pytest.mark.django_db

ROWS = [
    ["A-1", "JANE", "DOE", "(212) 555-0101", "jane@example.com", "03/05/1980", "NS", "1/2/2026"],
    ["A-2", "Mary", "Major", "12345", "", "", "consult - no book", ""],
    ["", "", "", "", "", "", "", ""],  # blank: skipped, not reported
    ["", "", "", "", "", "", "not now", "1/2/2026"],  # no identity: an error row
]


@pytest.fixture
def admin_client(client_for, member):
    return client_for(member(Role.ADMIN))


def url(name, practice, **kwargs):
    return reverse(f"contacts:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


def uploaded(client, practice, data) -> ImportBatch:
    client.post(url("imports", practice), {"file": SimpleUploadedFile("export.csv", data)})
    return ImportBatch.objects.get()


def imported(client, practice, data) -> ImportBatch:
    batch = uploaded(client, practice, data)
    batch.status = ImportStatus.QUEUED
    batch.save()
    return import_batch_run(batch.pk)


def report(client, practice, batch) -> list[dict[str, str]]:
    response = client.get(url("import_report", practice, batch_id=batch.pk))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_report_gives_each_rows_name_and_values_as_in_the_file(admin_client, practice):
    batch = imported(admin_client, practice, csv_bytes(ROWS))
    first = report(admin_client, practice, batch)[0]
    assert first["name"] == "JANE DOE"
    assert first["Cell"] == "(212) 555-0101" and first["DOB"] == "03/05/1980"
    assert first["Last Appt Status"] == "NS"


def test_a_row_that_was_not_imported_is_reported_with_its_values(admin_client, practice):
    batch = imported(admin_client, practice, csv_bytes(ROWS))
    error = report(admin_client, practice, batch)[-1]
    assert (error["row"], error["result"]) == ("4", "error")
    assert error["Last Appt Status"] == "not now" and error["Last Visit"] == "1/2/2026"


def test_a_report_whose_file_is_gone_still_lists_every_row(admin_client, practice):
    batch = imported(admin_client, practice, csv_bytes(ROWS))
    batch.file.delete(save=False)
    lines = report(admin_client, practice, batch)
    assert [line["row"] for line in lines] == ["1", "2", "4"]


def test_the_report_neutralizes_formulas_from_the_file(admin_client, practice):
    rows = [["A-1", "=HYPERLINK(1)", "Doe", "", "", "", "", ""]]
    batch = imported(admin_client, practice, csv_bytes(rows))
    assert report(admin_client, practice, batch)[0]["Pt First Name"] == "'=HYPERLINK(1)"


def test_the_summary_labels_are_words_in_a_fixed_order(admin_client, practice):
    batch = imported(admin_client, practice, csv_bytes(ROWS))
    page = admin_client.get(url("import_detail", practice, batch_id=batch.pk)).content.decode()
    labels = [
        "Rows",
        "Created",
        "Updated",
        "Same person as an earlier row",
        "Duplicate candidates",
        "Invalid phones",
        "Invalid emails",
        "Do not contact",
        "Errors",
    ]
    positions = [page.index(f"<dt>{label}</dt>") for label in labels]
    assert positions == sorted(positions)
    assert "Duplicatecandidates" not in page


def test_the_preview_shows_every_mapped_column_with_its_label(admin_client, practice):
    batch = uploaded(admin_client, practice, csv_bytes(ROWS))
    page = admin_client.get(url("import_detail", practice, batch_id=batch.pk))
    preview = page.context["preview"]
    assert preview.columns == [
        "EMR id",
        "First name",
        "Last name",
        "Phone",
        "Email",
        "Date of birth",
        "Last outcome",
        "Last activity",
    ]
    assert preview[0].cells[-3:] == ["5 Mar 1980", "No-show", "2 Jan 2026"]


def test_the_preview_shows_outcomes_and_flags_in_words_not_codes(admin_client, practice):
    header = [*HEADER, "DNC", "SMS Opt Out"]
    rows = [["A-1", "Jane", "Doe", "", "", "", "not now", "", "Y", ""]]
    batch = uploaded(admin_client, practice, csv_bytes(rows, header))
    page = admin_client.get(url("import_detail", practice, batch_id=batch.pk))
    preview = page.context["preview"]
    shown = dict(zip(preview.columns, preview[0].cells, strict=True))
    assert (shown["Last outcome"], shown["Do not contact"], shown["Text opt-out"]) == (
        "Not now",
        "Yes",
        "No",
    )
    content = page.content.decode()
    assert "not_now" not in content and "Text opt-out" in content


def test_the_report_declares_utf8_so_excel_keeps_accents(admin_client, practice):
    batch = imported(admin_client, practice, csv_bytes(ROWS))
    response = admin_client.get(url("import_report", practice, batch_id=batch.pk))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(response.streaming_content).startswith("\ufeff".encode())
