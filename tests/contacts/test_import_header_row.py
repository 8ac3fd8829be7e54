"""A title row above the header (common in PMS exports) does not make a file unusable:
the header row is detected, and the admin can pick another one on the mapping page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.import_runs import import_batch_run
from contacts.models import ImportBatch, ImportStatus
from contacts.tabular import table_open
from reactivate.models import Role
from tests.contacts.helpers import write
from tests.contacts.test_import_wizard_fuzz import xlsx_bytes

TITLE = "Patient export — printed 12/07/2026"
HEADER = ["Chart #", "First Name", "Last Name", "Cell", "Status"]
JANE = ["A-1", "Jane", "Doe", "(212) 555-0101", "NS"]
MARY = ["A-2", "Mary", "Major", "(212) 555-0102", "Scheduled"]


def csv_of(lines: list[list[str]], delimiter: str = ",") -> bytes:
    return "\r\n".join(delimiter.join(cells) for cells in lines).encode("utf-8")


@pytest.fixture
def admin_client(client_for, member):
    return client_for(member(Role.ADMIN))


def url(name, practice, **kwargs):
    return reverse(f"contacts:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


def test_a_title_row_above_the_header_is_skipped_in_a_csv(tmp_path):
    table = table_open(write(tmp_path, csv_of([[TITLE], [], HEADER, JANE])))
    assert table.headers == HEADER
    assert table.header_row == 3
    assert [cells for _, cells, _ in table.rows()] == [JANE]


def test_a_title_row_above_the_header_is_skipped_in_a_semicolon_csv(tmp_path):
    table = table_open(write(tmp_path, csv_of([[TITLE], HEADER, JANE], delimiter=";")))
    assert table.delimiter == ";"
    assert table.headers == HEADER


def test_a_title_row_above_the_header_is_skipped_in_a_workbook(tmp_path):
    table = table_open(write(tmp_path, xlsx_bytes([[TITLE], HEADER, JANE]), "export.xlsx"))
    assert table.headers == HEADER
    assert [cells for _, cells, _ in table.rows()] == [JANE]


def test_a_header_on_the_first_row_stays_the_header(tmp_path):
    # A data row naming as many known columns does not displace the first row.
    lines = [["Name", "Cell", "Notes"], ["Status", "Phone", "x"]]
    assert table_open(write(tmp_path, csv_of(lines))).headers == ["Name", "Cell", "Notes"]


def test_an_export_with_a_title_row_maps_previews_and_imports(admin_client, practice):
    data = csv_of([[TITLE], HEADER, JANE, MARY])
    admin_client.post(url("imports", practice), {"file": SimpleUploadedFile("e.csv", data)})
    batch = ImportBatch.objects.get()
    assert batch.mapping["phone"] == "Cell" and batch.mapping["first_name"] == "First Name"
    page = admin_client.get(url("import_detail", practice, batch_id=batch.pk))
    assert [row.values["first_name"] for row in page.context["preview"]] == ["Jane", "Mary"]
    admin_client.post(url("import_start", practice, batch_id=batch.pk), batch.mapping)
    batch = import_batch_run(batch.pk)
    assert batch.status == ImportStatus.DONE
    assert batch.summary["created"] == 2 and batch.summary["errors"] == 0


def test_the_admin_can_pick_the_header_row_when_it_is_not_recognized(admin_client, practice):
    unknown = ["Given", "Family", "Mobile"]  # one known column name: not enough to be sure
    data = csv_of([[TITLE], unknown, ["Jane", "Doe", "(212) 555-0101"]])
    admin_client.post(url("imports", practice), {"file": SimpleUploadedFile("e.csv", data)})
    batch = ImportBatch.objects.get()
    page = admin_client.get(url("import_detail", practice, batch_id=batch.pk))
    choices = page.context["header_form"].fields["header_row"].choices
    assert choices[1] == (2, "Row 2: Given, Family, Mobile")
    response = admin_client.post(
        url("import_header", practice, batch_id=batch.pk), {"header_row": 2}
    )
    assert response.status_code == 302
    page = admin_client.get(url("import_detail", practice, batch_id=batch.pk))
    assert [choice[0] for choice in page.context["form"]["phone"].field.choices][1:] == unknown
    assert page.context["form"]["phone"].initial == "Mobile"
    chosen = {"first_name": "Given", "last_name": "Family", "phone": "Mobile"}
    preview = admin_client.post(url("import_preview", practice, batch_id=batch.pk), chosen)
    assert [row.values["first_name"] for row in preview.context["preview"]] == ["Jane"]
    admin_client.post(url("import_start", practice, batch_id=batch.pk), chosen)
    assert import_batch_run(batch.pk).summary["created"] == 1


def test_a_row_that_is_not_offered_cannot_be_picked_as_the_header(admin_client, practice):
    data = csv_of([[TITLE], HEADER, JANE])
    admin_client.post(url("imports", practice), {"file": SimpleUploadedFile("e.csv", data)})
    batch = ImportBatch.objects.get()
    response = admin_client.post(
        url("import_header", practice, batch_id=batch.pk), {"header_row": 99}, follow=True
    )
    assert "Choose one of the rows listed." in response.content.decode()
    batch.refresh_from_db()
    assert batch.sample["header_row"] == 2
