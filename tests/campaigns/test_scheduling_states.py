"""Sending windows with each recipient's state rules: the strictest of the area code's and
the address's state wins, Sunday windows, no-call holidays, and DST days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from campaigns.scheduling import (
    Recipient,
    SendingRules,
    allowed_until,
    due_at,
    hold_reason,
    is_allowed,
    next_allowed,
    window_words,
)
from contacts.models import Contact
from reactivate.models import Practice

UTC = dt.UTC
CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
EVERY_DAY = SendingRules(dt.time(0), dt.time(23, 59), True, True)
WEEKDAYS_ONLY = SendingRules(dt.time(0), dt.time(23, 59), False, False)


def at(day: dt.date, hour: int, minute: int = 0, zone=CHICAGO) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def test_a_florida_number_with_a_texas_address_gets_the_strictest_of_both():
    person = Recipient.of(Contact(phone="+13055550123", state="Texas"), Practice())
    monday = dt.date(2026, 3, 9)

    assert person.states == ("FL", "TX")
    assert (person.cap, person.cap_per_subject) == (3, True)
    assert not is_allowed(at(monday, 8, 30, NEW_YORK), EVERY_DAY, person)  # Texas: 09:00
    assert is_allowed(at(monday, 9, 0, NEW_YORK), EVERY_DAY, person)
    assert not is_allowed(at(monday, 20, 0, NEW_YORK), EVERY_DAY, person)  # Florida: 20:00


@pytest.mark.parametrize("phone", ["+17865550123", "+13055550123", "+16455550123"])
def test_every_overlay_area_code_of_miami_is_florida(phone):
    assert Recipient.of(Contact(phone=phone), Practice()).states == ("FL",)


def test_an_overlay_area_code_of_dallas_is_texas():
    assert Recipient.of(Contact(phone="+19455550123"), Practice()).states == ("TX",)


def test_a_contact_without_an_address_gets_its_number_state_only():
    person = Recipient.of(Contact(phone="+12125550123", state=""), Practice())

    assert person.states == ("NY",)
    assert person.cap is None


def test_a_toll_free_number_without_an_address_gets_the_federal_hours():
    person = Recipient.of(Contact(phone="+18005550123"), Practice(time_zone="America/Chicago"))

    assert person.states == ()
    assert window_words(at(dt.date(2026, 3, 9), 12), EVERY_DAY, person) == (
        "08:00-21:00 America/Chicago (federal)"
    )


def test_texas_on_sunday_waits_for_noon():
    person = Recipient(CHICAGO, ("TX",))
    sunday = dt.date(2026, 3, 15)

    reason = hold_reason(at(sunday, 10, 15), EVERY_DAY, person)

    assert reason == (
        "held: 10:15 in America/Chicago is before the 12:00 Sunday start of Texas "
        "(Tex. Bus. & Com. Code § 301.051, SB 140); moved to 12:00"
    )
    assert next_allowed(at(sunday, 10, 15), EVERY_DAY, person) == at(sunday, 12).astimezone(UTC)
    assert is_allowed(at(dt.date(2026, 3, 14), 9), EVERY_DAY, person)  # Saturday from 09:00


def test_a_holiday_on_a_weekday_is_a_no_call_day():
    person = Recipient(CHICAGO, ("LA",))
    thanksgiving = dt.date(2026, 11, 26)  # a Thursday; Louisiana also bans the Friday after

    reason = hold_reason(at(thanksgiving, 10), EVERY_DAY, person)

    assert not is_allowed(at(thanksgiving, 10), EVERY_DAY, person)
    assert reason == (
        "held: Thanksgiving Day is a no-call day in Louisiana (La. R.S. 45:844.11 et seq.); "
        "moved to Saturday 08:00"
    )
    assert window_words(at(thanksgiving, 10), EVERY_DAY, person) == (
        "no sending on Thursday 2026-11-26 in America/Chicago (LA)"
    )


def test_a_holiday_then_a_weekend_moves_a_weekday_practice_to_monday():
    person = Recipient(CHICAGO, ("LA",))
    moved = next_allowed(at(dt.date(2026, 11, 26), 10), WEEKDAYS_ONLY, person)

    assert moved == at(dt.date(2026, 11, 30), 8).astimezone(UTC)


def test_a_state_banning_sundays_names_the_ban():
    person = Recipient(CHICAGO, ("LA",))

    reason = hold_reason(at(dt.date(2026, 3, 15), 12), EVERY_DAY, person)

    assert reason == (
        "held: Sunday is a no-call day in Louisiana (La. R.S. 45:844.11 et seq.); "
        "moved to Monday 08:00"
    )


def test_a_touch_due_on_a_holiday_is_planned_for_the_next_allowed_day():
    person = Recipient(CHICAGO, ("AL",))
    labor_day = dt.date(2026, 9, 7)

    due = due_at(labor_day, 1, WEEKDAYS_ONLY, person)

    assert due == at(dt.date(2026, 9, 8), 8).astimezone(UTC)


def test_rhode_island_saturday_hours_are_shorter():
    person = Recipient(NEW_YORK, ("RI",))
    saturday = dt.date(2026, 3, 14)

    assert not is_allowed(at(saturday, 9, 30, NEW_YORK), EVERY_DAY, person)
    assert allowed_until(at(saturday, 10, 0, NEW_YORK), EVERY_DAY, person) == at(
        saturday, 17, 0, NEW_YORK
    ).astimezone(UTC)


def test_spring_forward_sunday_in_texas_opens_at_noon_daylight_time():
    person = Recipient(CHICAGO, ("TX",))
    spring = dt.date(2026, 3, 8)  # 02:00 CST becomes 03:00 CDT

    moved = next_allowed(at(spring, 1, 30), EVERY_DAY, person)

    assert moved == dt.datetime(2026, 3, 8, 17, 0, tzinfo=UTC)  # 12:00 CDT
    assert allowed_until(moved, EVERY_DAY, person) == dt.datetime(2026, 3, 9, 2, 0, tzinfo=UTC)


def test_fall_back_sunday_in_texas_opens_at_noon_standard_time():
    person = Recipient(CHICAGO, ("TX",))
    fall = dt.date(2026, 11, 1)  # 02:00 CDT becomes 01:00 CST

    moved = next_allowed(at(fall, 0, 30), EVERY_DAY, person)

    assert moved == dt.datetime(2026, 11, 1, 18, 0, tzinfo=UTC)  # 12:00 CST
    assert allowed_until(moved, EVERY_DAY, person) == dt.datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def test_a_practice_window_outside_every_allowed_hour_is_refused():
    person = Recipient(CHICAGO, ("KY",))  # Kentucky: from 10:00
    early = SendingRules(dt.time(8), dt.time(9, 30), True, True)

    with pytest.raises(ValueError, match=r"No time is ever allowed.*Kentucky"):
        next_allowed(at(dt.date(2026, 3, 9), 8), early, person)


def test_a_recipient_accepts_states_in_any_order():
    assert Recipient(CHICAGO, ("TX", "FL", "TX")).states == ("FL", "TX")
