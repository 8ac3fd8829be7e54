"""A coordinator corrects a patient's number and marks them do not contact, on the contact
page, with the keyboard and mouse a person uses; the page passes axe-core throughout."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from contacts.models import Contact
from reactivate.models import AuditEvent, Role
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import blocking_violations
from tests.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fact(page: Page, term: str):
    """The <dd> after the <dt> reading ``term`` on the page's facts."""
    return page.locator(f"dl.facts dt:text-is('{term}') + dd")


def test_a_coordinator_edits_the_phone_and_marks_do_not_contact(page, screenshot, practice, member):
    member(Role.COORDINATOR, user__username="casey")
    contact = ContactFactory(
        practice=practice,
        first_name="Rosa",
        last_name="Parks",
        phone="",
        phone_raw="555-01",
        phone_valid=False,
    )
    log_in(page, "casey")
    page.goto(f"/p/{practice.slug}/contacts/{contact.pk}/")
    expect(fact(page, "Texts")).to_have_text("Not possible: no valid mobile number")
    assert blocking_violations(page, "contact") == []

    page.get_by_label("Phone").fill("(617) 555-0134")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(fact(page, "Phone")).to_have_text("(617) 555-0134")
    expect(fact(page, "Texts")).to_have_text("Allowed")

    page.get_by_role("button", name="Mark do not contact").click()
    expect(page.get_by_text("Give the reason")).to_be_visible()
    assert blocking_violations(page, "contact-refused") == []
    page.get_by_label("Why should this patient not be contacted?").fill("asked by phone")
    page.get_by_role("button", name="Mark do not contact").click()
    expect(fact(page, "Do not contact")).to_have_text("Yes — asked by phone")
    expect(page.get_by_role("button", name="Clear do not contact")).to_be_visible()
    screenshot(page, "after")
    found = blocking_violations(page, "contact-after")
    assert found == [], "\n".join(found)

    contact.refresh_from_db()
    assert (contact.phone, contact.do_not_contact) == ("+16175550134", True)
    assert AuditEvent.objects.filter(action="changed", object_id=str(contact.pk)).count() == 2
    assert Contact.objects.get(pk=contact.pk).do_not_contact_reason == "asked by phone"
