"""An admin starts a campaign from the pages, as they would: the audience is shown before
anything is typed, and pressing Start asks first, saying what starting does."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Campaign, CampaignStatus, Enrollment
from reactivate.models import Role
from tests.browser.conftest import htmx_settled, log_in
from tests.browser.test_accessibility import assert_accessible, blocking_violations
from tests.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_starting_a_campaign_asks_for_confirmation_first(page, screenshot, practice, member):
    member(Role.ADMIN, user__username="alex")
    ContactFactory.create_batch(3, practice=practice)
    ContactFactory(practice=practice, do_not_contact=True)
    found = {}
    log_in(page, "alex")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    audience = page.locator("#audience")
    expect(audience).to_contain_text("3 will be enrolled and contacted")  # no name typed yet
    htmx_settled(page)
    found["new campaign"] = blocking_violations(page, "new campaign")
    screenshot(page, "new")

    page.get_by_label("Name").fill("Spring recall")
    page.get_by_label("Start date").fill(f"{timezone.localdate():%Y-%m-%d}")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring recall")
    found["draft"] = blocking_violations(page, "draft campaign")

    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start “Spring recall”?")
    expect(page.locator(".confirm")).to_contain_text("3 patients will be enrolled and contacted")
    found["confirm start"] = blocking_violations(page, "confirm start")
    screenshot(page, "confirm")
    campaign = Campaign.objects.get()
    assert campaign.status == CampaignStatus.DRAFT and not Enrollment.objects.exists()

    page.get_by_role("button", name="Yes, start the campaign").click()
    expect(page.locator(".messages")).to_have_text("Started: 3 enrolled, 0 held out, 1 left out.")
    screenshot(page, "started")
    found["running"] = blocking_violations(page, "running campaign")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING and Enrollment.objects.count() == 3

    assert_accessible(found)
