"""Duplicate review in the browser: search, the bulk merge preview, a decision opening the
next pair, each page passing axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from contacts.candidates import candidates_find
from reactivate.models import Role
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import assert_accessible, blocking_violations
from tests.factories import ContactFactory, DuplicateCandidateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pair(practice, first_a, first_b, last, phone, score):
    a = ContactFactory(practice=practice, first_name=first_a, last_name=last, phone=phone)
    b = ContactFactory(practice=practice, first_name=first_b, last_name=last, phone=phone)
    return DuplicateCandidateFactory(
        practice=practice, contact_a=a, contact_b=b, score=score, reason="same phone"
    )


def test_an_admin_searches_merges_identical_pairs_and_moves_to_the_next_pair(
    page, screenshot, practice, member
):
    member(Role.ADMIN, user__username="adele")
    pair(practice, "José", "Jose", "Muñoz", "+12125550101", 1.0)
    pair(practice, "Maria", "Carlos", "Lopez", "+12125550102", 0.6)
    pair(practice, "Ann", "Amy", "Lee", "+12125550103", 0.5)
    found = {}
    log_in(page, "adele")

    page.goto(f"/p/{practice.slug}/contacts/duplicates/")
    page.get_by_label("Search by name").fill("jose munoz")
    page.get_by_role("button", name="Show pairs").click()
    expect(page.locator("table caption")).to_contain_text("1 pair matching your search")
    found["list"] = blocking_violations(page, "list")
    screenshot(page, "list")

    page.get_by_role("link", name="Merge all 1 pair with identical identity…").click()
    expect(page.get_by_role("button", name="Merge these 1 pair")).to_be_visible()
    found["preview"] = blocking_violations(page, "preview")
    page.get_by_role("button", name="Merge these 1 pair").click()
    expect(page.locator(".messages")).to_contain_text("Merged 1 pair with identical identity.")
    expect(page.locator("table caption")).to_contain_text("2 pairs")

    page.get_by_role("link", name="Compare").first.click()
    expect(page.locator(".note")).to_contain_text("60%")
    found["review"] = blocking_violations(page, "review")
    page.get_by_role("button", name="Not the same person").click()
    expect(page.locator(".note")).to_contain_text("50%")  # the next pair opened
    expect(page.locator(".messages")).to_contain_text("Kept as two people")
    screenshot(page, "next-pair")
    assert_accessible(found)


def test_a_person_filed_twice_is_listed_above_a_family_and_each_says_why(
    page, screenshot, practice, member
):
    member(Role.ADMIN, user__username="adele")
    home = {"postal_code": "62701", "address": "14 Elm Street"}
    people = [
        ("Sarah", "Haddad", dt.date(1975, 3, 2), "+12175550142"),
        ("Fatima", "Haddad", dt.date(2004, 9, 21), "+12175550142"),
        ("José", "Muñoz", dt.date(1980, 6, 1), ""),
        ("Jose", "Munoz", dt.date(1980, 6, 1), ""),
    ]
    contacts = [
        ContactFactory(
            practice=practice,
            first_name=first,
            last_name=last,
            date_of_birth=born,
            phone=phone,
            phone_raw=phone,
            **home,
        )
        for first, last, born, phone in people
    ]
    candidates_find(practice, [c.pk for c in contacts])
    log_in(page, "adele")

    page.goto(f"/p/{practice.slug}/contacts/duplicates/?reason=&score=&q=munoz")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("same first name, accents differ")
    page.goto(f"/p/{practice.slug}/contacts/duplicates/?reason=family")
    expect(page.locator("table tbody tr").first).to_contain_text(
        "first names differ: Sarah / Fatima — often family"
    )
    page.goto(f"/p/{practice.slug}/contacts/duplicates/")
    first_row = page.locator("table tbody tr").first
    expect(first_row).to_contain_text("José Muñoz")
    expect(first_row).to_contain_text("100%")
    found = {"list": blocking_violations(page, "list sorted by score")}
    screenshot(page, "list-by-score")
    assert_accessible(found)
