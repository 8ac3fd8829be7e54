"""axe-core on the pages people spend their day on, in the states they use them in (a panel
open with its forms, a preview refreshed): no violation of any impact.

tests/browser/test_every_page.py visits every page; this follows a working day through the
states that a page's first view does not show.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from reactivate.models import Role
from tests.browser.axe import assert_accessible, axe_violations
from tests.browser.conftest import htmx_settled, log_in
from tests.browser.data import work_day
from tests.contacts.helpers import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMPORT_ROWS = [
    ["A-1", "JANE", "DOE", "(212) 555-0101", "jane@example.com", "03/05/1980", "NS", ""],
    ["A-2", "Mary", "Major", "12345", "", "", "consult - no book", ""],
]


def blocking_violations(page: Page, name: str) -> list[str]:
    """The name other browser tests import: every axe violation on the page as it is now,
    of any impact (the gate is none at all), and any id used twice."""
    return axe_violations(page, name)


__all__ = ["assert_accessible", "blocking_violations"]


def test_the_queue_the_patient_panel_and_the_contacts_list(page, screenshot, practice, member):
    coordinator = member(Role.COORDINATOR, user__username="casey")
    work_day(practice, coordinator.user)
    log_in(page, "casey")
    found = {}

    expect(page.get_by_role("heading", level=1)).to_have_text("Today's queue")
    found["queue"] = axe_violations(page, "queue")
    screenshot(page, "queue")

    page.keyboard.press("j")
    expect(page.locator("#panel h2")).to_have_text("Rita Replies")
    htmx_settled(page)
    for summary in page.locator("#panel details > summary").all():
        summary.click()  # the re-qualify, not-now and went-elsewhere forms, open
    found["panel"] = axe_violations(page, "patient panel")
    screenshot(page, "panel")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts")
    expect(page.locator("#results table")).to_contain_text("Rita Replies")
    found["contacts"] = axe_violations(page, "contacts list")
    screenshot(page, "contacts")

    assert_accessible(found)


def test_the_import_pages(page, screenshot, practice, member):
    member(Role.ADMIN, user__username="alex")
    log_in(page, "alex")
    found = {}

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imports")
    found["imports (empty)"] = axe_violations(page, "imports, empty")

    page.get_by_label("File").set_input_files(
        files=[{"name": "export.csv", "mimeType": "text/csv", "buffer": csv_bytes(IMPORT_ROWS)}]
    )
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import: export.csv")
    preview = page.locator("#preview table")
    expect(preview).to_contain_text("Jane Doe")
    found["mapping and preview"] = axe_violations(page, "import mapping and preview")
    screenshot(page, "import-preview")

    # Changing a column refreshes the preview in place (htmx).
    with page.expect_response(re.compile(r"/imports/\d+/preview/$")):
        page.get_by_label("First name").select_option("Pt Last Name")
    expect(preview).to_contain_text("Doe Doe")
    found["preview, refreshed"] = axe_violations(page, "import preview, refreshed")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("table")).to_contain_text("export.csv")
    found["imports"] = axe_violations(page, "imports, with one")
    screenshot(page, "imports")

    assert_accessible(found)


def test_the_owners_scoreboard(page, screenshot, practice, member):
    coordinator = member(Role.COORDINATOR, user__username="casey")
    work_day(practice, coordinator.user)
    member(Role.OWNER, user__username="olive")
    log_in(page, "olive")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scoreboard").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    found = {"scoreboard": axe_violations(page, "scoreboard")}
    screenshot(page, "scoreboard")
    assert_accessible(found)
