"""An admin imports a practice system's export as it comes: a title row above the header
and no phone column. The wizard finds the header, previews the rows and imports them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contacts.import_runs import import_batch_run
from contacts.models import Contact, ImportBatch
from reactivate.models import Role
from tests.browser.axe import assert_accessible, axe_violations
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPORT = (
    "Patient export — printed 12/07/2026\r\n"
    "Chart,First Name,Last Name,Email,Last Appt Status\r\n"
    "A-1,Jane,Doe,jane@example.com,NS\r\n"
    "A-2,John,Roe,john@example.com,consult - no book\r\n"
).encode()


def test_an_export_with_a_title_row_and_no_phone_column_previews_and_imports(
    page, screenshot, practice, member
):
    member(Role.ADMIN, user__username="alex")
    log_in(page, "alex")
    found = {}
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    page.get_by_label("File").set_input_files(
        files=[{"name": "printed.csv", "mimeType": "text/csv", "buffer": EXPORT}]
    )
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import: printed.csv")
    preview = page.locator("#preview table")
    expect(preview).to_contain_text("Jane")
    expect(preview).to_contain_text("Roe")
    expect(preview).not_to_contain_text("Patient export")
    found["mapping, no phone"] = axe_violations(page, "mapping without a phone column")
    screenshot(page, "mapping-no-phone")

    page.get_by_role("button", name="3. Import all rows").click()
    # The import runs in the worker; here its service runs in-process, then the page shows it.
    batch = ImportBatch.objects.get(practice=practice)
    import_batch_run(batch.pk)
    page.reload()
    expect(page.locator("main")).to_contain_text("Download the per-row report")
    found["summary"] = axe_violations(page, "import summary")
    screenshot(page, "summary-no-phone")
    names = set(Contact.objects.filter(practice=practice).values_list("last_name", flat=True))
    assert names == {"Doe", "Roe"}
    assert_accessible(found)
