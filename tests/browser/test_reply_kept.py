"""A coordinator's reply typed while the patient's texting hours are closed is kept: the
panel says when it goes, the thread shows it planned, and nothing typed is lost."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outreach.models import Message
from reactivate.models import Role
from tests.browser.conftest import htmx_settled, log_in
from tests.browser.data import work_day
from tests.browser.test_accessibility import assert_accessible, blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = "Thank you Rita! Tuesday at 10 works; shall I book it?"


def night_zone() -> str:
    """A fixed-offset zone where it is about 3 in the morning now (the live server runs on
    the real clock), so the patient's texting hours are closed whenever the test runs."""
    hour = timezone.now().hour
    offset = 3 - hour if hour <= 15 else 27 - hour  # within Etc/GMT's -12 … +14
    # Etc/GMT zones are named with the sign reversed: Etc/GMT-5 is UTC+5.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def test_a_reply_typed_while_texting_hours_are_closed_is_kept_and_planned(
    page, screenshot, practice, member
):
    coordinator = member(Role.COORDINATOR, user__username="casey")
    day = work_day(practice, coordinator.user)
    contact = day.reply.contact
    contact.time_zone = night_zone()
    contact.save(update_fields=["time_zone"])
    panel = page.locator("#panel")
    log_in(page, "casey")
    page.locator("#queue-list").get_by_role("link", name=re.compile("Rita Replies")).click()
    expect(panel.locator("h2")).to_have_text("Rita Replies")
    htmx_settled(page)

    panel.get_by_label("Reply by text").fill(WORDS)
    panel.get_by_role("button", name="Send").click()

    expect(panel).to_contain_text("Saved. It goes out at")
    expect(panel).to_contain_text("the patient's time")
    expect(panel.locator(".thread")).to_contain_text(WORDS)
    expect(panel.locator(".thread .planned-reply")).to_contain_text("Planned:")
    htmx_settled(page)
    found = {"reply planned": blocking_violations(page, "reply planned")}
    screenshot(page, "reply-planned")
    planned = Message.objects.get(contact=contact, direction="out")
    assert (planned.body, planned.status) == (WORDS, "planned")
    assert planned.send_at > timezone.now()
    assert_accessible(found)
