"""Working down the queue with the keyboard: after an outcome the next patient opens with
focus in their panel, and a refused re-qualify keeps the answers chosen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import State
from reactivate.models import Role
from tests.browser.conftest import htmx_settled, log_in
from tests.browser.data import work_day
from tests.browser.test_accessibility import assert_accessible, blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def list_refreshed(response) -> bool:
    return "part=list" in response.url and response.ok


def requalify_form(page: Page):
    return page.locator("#panel form").filter(has=page.locator("input[value=requalify]"))


def test_after_an_outcome_the_next_patients_panel_opens_with_focus(
    page, screenshot, practice, member
):
    coordinator = member(Role.COORDINATOR, user__username="casey")
    work_day(practice, coordinator.user)
    panel = page.locator("#panel")
    log_in(page, "casey")

    page.keyboard.press("j")
    expect(panel.locator("h2")).to_have_text("Rita Replies")
    expect(panel.locator("h2")).to_be_focused()  # focus moved into the opened panel
    # The patient's words come first, above the call script.
    expect(panel.locator(".waiting")).to_contain_text("Is next week possible?")
    assert (
        panel.locator(".waiting").bounding_box()["y"]
        < (panel.locator(".script").bounding_box()["y"])
    )
    htmx_settled(page)

    with page.expect_response(list_refreshed):
        page.keyboard.press("5")  # not a fit
    expect(panel.locator("h2")).to_have_text("Nora Later")
    expect(panel.locator("h2")).to_be_focused()
    expect(panel.locator(".recorded")).to_contain_text("Recorded for Rita Replies: Not a fit.")
    expect(page.locator("#queue-list [aria-current]")).to_contain_text("Nora Later")
    htmx_settled(page)
    found = {"next patient": blocking_violations(page, "next patient opened")}
    screenshot(page, "next-patient")

    # With "stay" ticked, the patient stays open after the outcome.
    page.get_by_label("Stay on the patient after recording an outcome").check()
    panel.locator("h2").focus()
    with page.expect_response(list_refreshed):
        page.keyboard.press("1")  # no answer
    expect(panel.locator(".recorded")).to_contain_text("Recorded: No answer.")
    expect(panel.locator("h2")).to_have_text("Nora Later")
    assert_accessible(found)


def test_a_refused_requalify_keeps_the_answers_and_says_where_they_lead(
    page, screenshot, practice, member
):
    coordinator = member(Role.COORDINATOR, user__username="casey")
    day = work_day(practice, coordinator.user)
    panel = page.locator("#panel")
    log_in(page, "casey")
    page.locator("#queue-list").get_by_role("link", name=re.compile("Nora Later")).click()
    expect(panel.locator("h2")).to_have_text("Nora Later")
    htmx_settled(page)

    panel.get_by_text("Re-qualify (two questions) and schedule").click()
    form = requalify_form(page)
    expect(form).to_contain_text("Soon + Yes → Scheduled")
    form.get_by_label("Soon").check()
    form.get_by_label("Yes").check()
    expect(form.locator("[data-requalify-lead]")).to_have_text("These answers lead to: Scheduled.")
    form.get_by_label("Later").check()
    expect(form.locator("[data-requalify-lead]")).to_have_text("These answers lead to: Nurture.")
    form.get_by_label("Soon").check()
    form.get_by_label("Note").fill("Wants a morning slot")
    form.get_by_role("button", name="Record").click()  # no appointment given

    expect(panel.get_by_role("alert")).to_have_text(
        "Give the appointment's date and time to schedule."
    )
    htmx_settled(page)
    form = requalify_form(page)
    expect(form).to_be_visible()  # its section came back open
    expect(form.get_by_label("Soon")).to_be_checked()
    expect(form.get_by_label("Yes")).to_be_checked()
    expect(form.get_by_label("Note")).to_have_value("Wants a morning slot")
    expect(form.locator("[data-requalify-lead]")).to_contain_text("Scheduled")
    found = {"refused requalify": blocking_violations(page, "refused re-qualify")}
    screenshot(page, "requalify-refused")
    day.later.refresh_from_db()
    assert day.later.state == State.REQUALIFYING
    assert_accessible(found)
