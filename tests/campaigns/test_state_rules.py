"""The state rule table as data: every state has a row that names its source (or says none
was found), area codes and address spellings resolve to states, and holidays fall on the
right dates."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns import state_rules
from campaigns.scheduling import FLORIDA_AREA_CODES

ALL_STATES = sorted(state_rules.table()["states"])


def test_the_table_has_every_state_and_dc_and_a_version():
    assert len(ALL_STATES) == 51
    assert "DC" in ALL_STATES
    assert isinstance(state_rules.RULES_VERSION, str) and state_rules.RULES_VERSION


@pytest.mark.parametrize("code", ALL_STATES)
def test_every_state_names_its_source_or_says_none_was_found(code):
    row = state_rules.table()["states"][code]

    assert row["name"]
    if row.get("source") is None:
        assert row["note"]
        assert "hours" not in row  # no source: the federal default applies
    else:
        assert row["statute"] and row["source"].startswith("http")


def test_every_area_code_names_a_state_in_the_table():
    codes = state_rules._area_codes()

    assert len(codes) > 340
    assert set(codes.values()) <= set(ALL_STATES)
    assert all(len(code) == 3 and code.isdigit() for code in codes)


@pytest.mark.parametrize(
    ("phone", "state"),
    [
        ("+13055550123", "FL"),
        ("+17865550123", "FL"),  # overlay of 305
        ("+16455550123", "FL"),  # newer overlay of 305/786
        ("+19455550123", "TX"),  # overlay of 214/469/972
        ("+12025550123", "DC"),
        ("+18005550123", None),  # toll-free names no state
        ("+14165550123", None),  # Toronto
        ("not a number", None),
    ],
)
def test_area_codes_resolve_to_states_overlays_included(phone, state):
    assert state_rules.state_of_phone(phone) == state


@pytest.mark.parametrize(
    ("written", "code"),
    [("FL", "FL"), ("Fla.", "FL"), (" florida ", "FL"), ("Tex.", "TX"), ("New York", "NY"),
     ("D.C.", "DC"), ("district of columbia", "DC"), ("", None), ("Narnia", None)],
)  # fmt: skip
def test_address_state_spellings_resolve(written, code):
    assert state_rules.state_of_address(written) == code


def test_florida_area_codes_come_from_the_table():
    assert "786" in FLORIDA_AREA_CODES and "212" not in FLORIDA_AREA_CODES


def test_a_number_and_an_address_in_different_states_bring_both():
    assert state_rules.recipient_states("+13055550123", "Texas") == ("FL", "TX")
    assert state_rules.recipient_states("+13055550123", "Fla") == ("FL",)
    assert state_rules.recipient_states("+18005550123", "") == ()


def test_merged_rules_keep_the_strictest_of_each_state():
    both = state_rules.merged(("FL", "TX"))

    monday, sunday = both.days[0], both.days[6]
    assert (monday.start.time, monday.start.by) == (dt.time(9), "TX")
    assert (monday.end.time, monday.end.by) == (dt.time(20), "FL")
    assert (sunday.start.time, sunday.end.time) == (dt.time(12), dt.time(20))
    assert (both.cap, both.cap_per_subject, both.cap_by) == (3, True, "FL")


def test_merged_rules_are_cached_per_set_of_states():
    assert state_rules.merged(("FL", "TX")) is state_rules.merged(("FL", "TX"))


def test_a_state_banning_sunday_bans_it_for_the_merge():
    merged = state_rules.merged(("LA", "TX"))

    assert merged.days[6] is None
    assert merged.banned_by[6] == "LA"


def test_no_state_means_the_federal_hours_and_no_cap():
    merged = state_rules.merged(())

    assert {(day.start.time, day.end.time) for day in merged.days} == {(dt.time(8), dt.time(21))}
    assert merged.cap is None and not merged.cap_per_subject


@pytest.mark.parametrize(
    ("code", "day", "words"),
    [
        ("LA", dt.date(2026, 11, 26), "Thanksgiving Day"),
        ("LA", dt.date(2026, 11, 27), "the day after Thanksgiving"),
        ("LA", dt.date(2026, 2, 17), "Mardi Gras"),
        ("LA", dt.date(2026, 4, 3), "Good Friday"),
        ("AL", dt.date(2026, 5, 25), "Memorial Day"),
        ("AL", dt.date(2026, 7, 3), "Independence Day (observed)"),  # 4 July is a Saturday
        ("UT", dt.date(2026, 7, 24), "Pioneer Day"),
        ("MS", dt.date(2028, 12, 25), "Christmas Day"),
        ("AL", dt.date(2021, 12, 31), "New Year's Day (observed)"),  # 1 Jan 2022, a Saturday
    ],
)
def test_holidays_fall_on_their_dates(code, day, words):
    assert state_rules.holiday_dates(code, day.year)[day] == words


def test_a_saturday_holiday_is_not_moved_where_the_state_only_moves_sundays():
    assert dt.date(2026, 7, 3) not in state_rules.holiday_dates("RI", 2026)
    assert dt.date(2026, 7, 4) in state_rules.holiday_dates("RI", 2026)


def test_a_state_without_holiday_rules_has_no_holidays():
    assert state_rules.holiday_dates("FL", 2026) == {}
