"""An admin syncs the practice system's appointment export in the browser: upload, the
columns matched in words, the first rows as they will be read, the sync in a real worker,
its summary, and the schedule page showing it. Every step passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reactivate.models import Role
from schedule.models import Appointment
from tests.browser.axe import assert_accessible, axe_violations
from tests.browser.conftest import log_in
from tests.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EXPORT = (
    b"Appt #,Chart,First Name,Last Name,Appt Date,Appt Time,Status,Provider\r\n"
    b"901,C-1,Jane,Doe,12/09/2030,10:00,Scheduled,Dr Lee\r\n"
    b"902,C-2,John,Roe,12/10/2030,14:30,Waitlisted,Dr Lee\r\n"
)


def test_an_export_is_uploaded_matched_previewed_and_synced_by_the_worker(
    page, screenshot, practice, member, celery_worker_process
):
    member(Role.ADMIN, user__username="alex")
    ContactFactory(practice=practice, external_id="C-1", first_name="Jane", last_name="Doe")
    log_in(page, "alex")
    found = {}
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Schedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The practice's schedule")
    found["schedule, nothing connected"] = axe_violations(page, "schedule, empty")
    page.get_by_role("link", name="Upload an appointment export").click()
    found["upload"] = axe_violations(page, "upload")
    page.get_by_label("File").set_input_files(
        files=[{"name": "appointments.csv", "mimeType": "text/csv", "buffer": EXPORT}]
    )
    page.get_by_role("button", name="Upload and match columns").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Appointments from appointments.csv")
    expect(page.get_by_label("Appointment id")).to_have_value("Appt #")
    expect(page.get_by_label("Patient's EMR id")).to_have_value("Chart")
    preview = page.locator("#preview table")
    expect(preview).to_contain_text("Booked")
    expect(preview).to_contain_text("Not known: “Waitlisted”")
    expect(preview).to_contain_text("Mon 9 Dec 2030 10:00")
    found["columns and preview"] = axe_violations(page, "columns and preview")
    screenshot(page, "columns")

    # Choosing no provider column shows the rows without it.
    page.get_by_label("Provider").select_option("")
    page.get_by_role("button", name="Show the rows with these columns").click()
    expect(page.get_by_label("Provider")).to_have_value("")
    expect(page.locator("#preview table")).not_to_contain_text("Dr Lee")

    page.get_by_role("button", name="4. Sync all rows").click()
    # The worker syncs it; the waiting page moves on to the run's summary.
    expect(page.get_by_role("heading", level=1)).to_have_text("Sync of Appointment export")
    expect(page.get_by_role("status")).to_contain_text("Succeeded")
    summary = page.locator("#run")
    expect(summary).to_contain_text("The status 'Waitlisted' is not one we know")
    found["summary"] = axe_violations(page, "summary")
    screenshot(page, "summary")

    page.get_by_role("link", name="← Schedule").click()
    source = page.get_by_role("region", name="Appointment export", exact=True)
    expect(source).to_contain_text("just now")
    expect(source.get_by_role("table", name="Recent syncs")).to_contain_text("Upload")
    found["schedule after the sync"] = axe_violations(page, "schedule after the sync")
    screenshot(page, "health")

    matched = Appointment.objects.get(practice=practice, key="901")
    assert matched.contact.external_id == "C-1"
    assert Appointment.objects.get(practice=practice, key="902").contact_id is None
    assert_accessible(found)
