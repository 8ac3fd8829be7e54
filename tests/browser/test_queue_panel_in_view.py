"""A patient opened low in the work queue shows their panel in view, on a 768 px tablet
(the page fixture's viewport) where the panel opens above the list, not under all of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import CampaignStatus, Channel, Touch
from reactivate.models import Role
from tests.browser.conftest import htmx_settled, log_in
from tests.browser.data import enroll
from tests.browser.test_accessibility import assert_accessible, blocking_violations
from tests.factories import CampaignFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def calls_due(practice, coordinator, patients: int) -> None:
    campaign = CampaignFactory(practice=practice, status=CampaignStatus.RUNNING)
    step = campaign.sequence.steps.filter(channel=Channel.CALL).first()
    now = timezone.now()
    for i in range(patients):
        enrollment = enroll(campaign, coordinator, "Patient", f"Number {i + 1:02d}")
        Touch.objects.create(
            practice=practice,
            enrollment=enrollment,
            step=step,
            channel=Channel.CALL,
            due_at=now - dt.timedelta(minutes=patients - i),
        )


def test_opening_the_20th_patient_on_a_tablet_shows_their_panel_in_view_above_the_list(
    page, screenshot, practice, member
):
    coordinator = member(Role.COORDINATOR, user__username="casey")
    calls_due(practice, coordinator.user, 25)
    log_in(page, "casey")
    assert page.viewport_size == {"width": 768, "height": 1024}

    row = page.locator("#queue-list [data-queue-item]").nth(19)
    expect(row).to_contain_text("Patient Number 20")
    row.scroll_into_view_if_needed()
    row.click()

    heading = page.locator("#panel h2")
    expect(heading).to_have_text("Patient Number 20")
    expect(heading).to_be_in_viewport()
    htmx_settled(page)
    box = page.locator("#panel").bounding_box()
    assert 0 <= box["y"] < 1024
    # Above the list at this width, not under all 25 rows.
    assert box["y"] < page.locator("#queue-list").bounding_box()["y"]
    found = {"20th patient opened": blocking_violations(page, "20th patient opened")}
    screenshot(page, "tablet-20th-patient")
    assert_accessible(found)
