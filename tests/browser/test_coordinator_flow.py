"""A coordinator's morning at tablet width: three patients worked from the queue with taps,
forms and keys, without one full page load, and the counts move."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from campaigns.models import Outcome, OutcomeKind, State
from reactivate.models import Role
from tests.browser.conftest import TABLET, htmx_settled, log_in
from tests.browser.data import work_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def list_refreshed(response) -> bool:
    """The queue list's own refresh (htmx, after every recorded outcome)."""
    return "part=list" in response.url and response.ok


def open_patient(page: Page, name: str) -> None:
    htmx_settled(page)
    page.locator("#queue-list").get_by_role("link", name=re.compile(name)).click()
    expect(page.locator("#panel h2")).to_have_text(name)
    htmx_settled(page)


def go_to(page: Page, area: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=area).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        {"Scoreboard": "Scoreboard", "Work queue": "Today's queue"}[area]
    )


def decisions_tile(page: Page):
    return page.locator("#tile-decisions")


def test_a_coordinator_works_three_patients_at_tablet_width(page, screenshot, practice, member):
    coordinator = member(Role.COORDINATOR, user__username="casey", daily_quota=5)
    day = work_day(practice, coordinator.user)
    queue, panel = page.locator("#queue-list"), page.locator("#panel")
    decisions = queue.get_by_role("group", name="Decisions today")

    log_in(page, "casey")

    expect(page).to_have_url(re.compile(r"/p/harbor/queue/$"))
    go_to(page, "Scoreboard")
    expect(decisions_tile(page).locator(".tile-value")).to_have_text("0")
    screenshot(page, "scoreboard-before")
    go_to(page, "Work queue")
    expect(queue.locator("h2.queue-section")).to_have_text(
        [re.compile("^Replies waiting"), re.compile("^Re-qualify"), re.compile("^Calls due now")]
    )
    expect(decisions).to_contain_text("Decisions today: 0 of 5")
    assert page.viewport_size == TABLET
    # From here on the page must never load again: htmx swaps its parts in place.
    page.evaluate("window.__marker = 'same page'")
    loads: list[str] = []
    page.on("load", lambda _page: loads.append(page.url))
    screenshot(page, "queue")

    # (a) The reply, opened with "j": re-qualified (soon, a fit) and scheduled.
    page.keyboard.press("j")
    expect(panel.locator("h2")).to_have_text("Rita Replies")
    htmx_settled(page)
    expect(queue.locator("[aria-current]")).to_contain_text("Rita Replies")
    expect(panel.locator(".thread")).to_contain_text("Is next week possible?")
    screenshot(page, "reply-panel")
    panel.get_by_text("Re-qualify (two questions) and schedule").click()
    requalify = panel.locator("form").filter(has=page.locator("input[value=requalify]"))
    requalify.get_by_label("Soon").check()
    requalify.get_by_label("Yes").check()
    appointment = timezone.localdate() + dt.timedelta(days=7)
    requalify.get_by_label("Appointment (practice time)").fill(f"{appointment:%Y-%m-%d}T10:30")
    with page.expect_response(list_refreshed):
        requalify.get_by_role("button", name="Record").click()
    # The next patient opens, saying what was recorded for the one before.
    expect(panel.locator("h2")).to_have_text("Nora Later")
    expect(panel.locator(".recorded")).to_contain_text("Recorded for Rita Replies: Scheduled.")
    expect(queue).not_to_contain_text("Rita Replies")
    expect(decisions).to_contain_text("Decisions today: 1 of 5")
    screenshot(page, "scheduled")

    # (b) The call task: no answer, tapped with its key ("1").
    open_patient(page, "Carl Calls")
    expect(panel.get_by_role("button", name="1 No answer")).to_be_visible()
    with page.expect_response(list_refreshed):
        page.keyboard.press("1")
    expect(panel.locator(".recorded")).to_contain_text("Recorded for Carl Calls: No answer.")
    expect(decisions).to_contain_text("Decisions today: 1 of 5")  # a call result, not a decision
    screenshot(page, "no-answer")

    # (c) A slip ("5", not a fit) undone, then "not now" with a return date.
    open_patient(page, "Nora Later")
    with page.expect_response(list_refreshed):
        page.keyboard.press("5")
    expect(panel.locator(".recorded")).to_contain_text("Recorded: Not a fit.")
    expect(decisions).to_contain_text("Decisions today: 2 of 5")
    htmx_settled(page)
    with page.expect_response(list_refreshed):
        panel.get_by_role("button", name="Undo").click()
    expect(panel.get_by_role("status")).to_have_text("Undone: Not a fit.")
    htmx_settled(page)
    expect(decisions).to_contain_text("Decisions today: 1 of 5")
    panel.get_by_text("Not now, with a return date").click()
    not_now = panel.locator("form").filter(has=page.locator("input[value=not_now]"))
    return_date = timezone.localdate() + dt.timedelta(days=90)
    not_now.get_by_label("Check back on").fill(f"{return_date:%Y-%m-%d}")
    not_now.get_by_label("Note").fill("Moving house; call after the spring.")
    with page.expect_response(list_refreshed):
        not_now.get_by_role("button", name="Close for now").click()
    expect(panel.locator(".recorded")).to_contain_text("Recorded: Not now.")
    expect(queue).not_to_contain_text("Nora Later")
    expect(decisions).to_contain_text("Decisions today: 2 of 5")
    screenshot(page, "not-now")

    # Never a full page load, and nothing wider than the tablet.
    assert page.evaluate("window.__marker") == "same page"
    assert loads == []
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]

    # What was recorded: each tap an outcome, each decision a move.
    kinds = {
        name: list(
            Outcome.objects.filter(enrollment=enrollment, user=coordinator.user)
            .order_by("id")
            .values_list("kind", flat=True)
        )
        for name, enrollment in vars(day).items()
    }
    assert kinds == {
        "reply": [OutcomeKind.QUALIFIED, OutcomeKind.SCHEDULED],
        "call": [OutcomeKind.NO_ANSWER],
        "later": [OutcomeKind.NOT_A_FIT, OutcomeKind.UNDONE, OutcomeKind.NOT_NOW],
    }
    for enrollment in vars(day).values():
        enrollment.refresh_from_db()
    practice_zone = zoneinfo.ZoneInfo(str(practice.time_zone))
    assert day.reply.state == State.SCHEDULED
    assert day.reply.appointment_at == dt.datetime.combine(
        appointment, dt.time(10, 30), tzinfo=practice_zone
    )
    assert day.call.state == State.ACTIVE
    assert (day.later.state, day.later.nurture_until) == (State.CLOSED_NOT_NOW, return_date)
    assert day.later.outcomes.get(kind=OutcomeKind.NOT_NOW).note == (
        "Moving house; call after the spring."
    )
    # The call task was answered ("No answer"), so it left "Calls due now".
    assert day.call.touches.get(channel="call").status == "done"

    # The scoreboard's counts moved: two decisions, one of them scheduled.
    go_to(page, "Scoreboard")
    tile = decisions_tile(page)
    expect(tile.locator(".tile-value")).to_have_text("2")
    expect(tile.locator(".tile-note")).to_have_text("1 yes · 0 no · 1 not now")
    screenshot(page, "scoreboard-after")
