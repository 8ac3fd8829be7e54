"""Touch due times and the send guard's clock: local time, legal hours, weekends and DST."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from campaigns.scheduling import (
    FLORIDA_AREA_CODES,
    Recipient,
    SendingRules,
    daily_window,
    due_at,
    hold_reason,
    is_allowed,
    is_florida,
    next_allowed,
)
from contacts.models import Contact
from reactivate.models import Practice

UTC = dt.UTC
NEW_YORK = ZoneInfo("America/New_York")
FRIDAY = dt.date(2026, 3, 6)
SATURDAY = dt.date(2026, 3, 7)
MONDAY = dt.date(2026, 3, 9)


def rules(start=(9, 0), end=(19, 0), *, saturday=False, sunday=False) -> SendingRules:
    return SendingRules(dt.time(*start), dt.time(*end), saturday, sunday)


def recipient(zone: str = "America/New_York", *, florida: bool = False) -> Recipient:
    return Recipient(ZoneInfo(zone), florida)


def at_local(day: dt.date, hour: int, minute: int = 0, zone: str = "America/New_York"):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(zone))


def local(instant: dt.datetime, zone: str = "America/New_York") -> dt.datetime:
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


LEGAL_ONLY = rules((0, 0), (23, 59))  # the practice allows all day: only the law limits


# --- Examples -----------------------------------------------------------------------------


def test_new_york_weekday_touch_is_due_at_the_window_start():
    due = due_at(FRIDAY, 1, rules(), recipient())

    assert due == dt.datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert due.tzinfo is UTC


def test_florida_number_is_capped_at_20():
    florida = Recipient.of(Contact(phone="+13055550123"), Practice())

    assert florida.florida
    assert daily_window(LEGAL_ONLY, florida) == (dt.time(8), dt.time(20))
    assert is_allowed(at_local(FRIDAY, 19, 59), LEGAL_ONLY, florida)
    assert not is_allowed(at_local(FRIDAY, 20, 0), LEGAL_ONLY, florida)


def test_florida_address_counts_with_a_non_florida_number():
    contact = Contact(phone="+12125550123", state=" Fla. ")

    assert Recipient.of(contact, Practice()).florida


@pytest.mark.parametrize("state", ["FL", "fl", "Florida", " FLORIDA ", "Fla"])
def test_florida_state_spellings_are_recognized(state):
    assert is_florida("", state)


@pytest.mark.parametrize(
    ("phone", "state"),
    [("+12125550123", "NY"), ("+443055550123", ""), ("", ""), ("+1305", "Flor")],
)
def test_other_numbers_and_states_are_not_florida(phone, state):
    assert not is_florida(phone, state)


def test_every_florida_area_code_is_a_three_digit_code():
    assert len(FLORIDA_AREA_CODES) == 23
    assert all(len(code) == 3 and code.isdigit() for code in FLORIDA_AREA_CODES)


def test_practice_window_is_intersected_with_legal_hours():
    assert daily_window(rules((9, 0), (19, 0)), recipient()) == (dt.time(9), dt.time(19))
    assert daily_window(rules((6, 0), (23, 0)), recipient()) == (dt.time(8), dt.time(21))


def test_21_is_exclusive():
    assert is_allowed(at_local(FRIDAY, 20, 59), LEGAL_ONLY, recipient())
    assert not is_allowed(at_local(FRIDAY, 21, 0), LEGAL_ONLY, recipient())


def test_saturday_is_skipped_to_monday_when_the_practice_does_not_send_on_saturday():
    due = due_at(SATURDAY, 1, rules(), recipient())

    assert local(due) == dt.datetime(2026, 3, 9, 9, 0)


def test_saturday_is_kept_when_the_practice_sends_on_saturday():
    due = due_at(SATURDAY, 1, rules(saturday=True), recipient())

    assert local(due) == dt.datetime(2026, 3, 7, 9, 0)


def test_patient_in_another_zone_gets_the_window_start_in_their_own_zone():
    practice = Practice(time_zone="America/New_York")
    patient = Recipient.of(Contact(time_zone="America/Los_Angeles"), practice)

    due = due_at(FRIDAY, 1, SendingRules.of(practice), patient)

    assert local(due, "America/Los_Angeles") == dt.datetime(2026, 3, 6, 9, 0)
    assert due == dt.datetime(2026, 3, 6, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "name", ["", "   ", "Mars/Olympus", "america/chicago", "America", "localtime", "Factory"]
)
def test_blank_or_invalid_contact_zone_falls_back_to_the_practice_zone(name):
    practice = Practice(time_zone="America/Denver")

    assert Recipient.of(Contact(time_zone=name), practice).zone == ZoneInfo("America/Denver")


def test_sending_rules_are_read_from_the_practice():
    practice = Practice(
        sending_window_start=dt.time(10),
        sending_window_end=dt.time(18),
        sends_on_saturday=True,
        sends_on_sunday=False,
    )

    assert SendingRules.of(practice) == rules((10, 0), (18, 0), saturday=True)


def test_hold_reason_names_the_florida_limit():
    sending = rules((8, 0), (21, 0), saturday=True)

    reason = hold_reason(at_local(FRIDAY, 20, 41), sending, recipient(florida=True))

    assert reason == (
        "held: 20:41 in America/New_York is past the 20:00 limit of Florida "
        "(Fla. Stat. 501.059); moved to 08:00"
    )


def test_hold_reason_names_the_weekday_when_the_weekend_is_skipped():
    reason = hold_reason(at_local(FRIDAY, 20, 41), rules((8, 0), (21, 0)), recipient(florida=True))

    assert reason == (
        "held: 20:41 in America/New_York is past the 20:00 limit of Florida "
        "(Fla. Stat. 501.059); moved to Monday 08:00"
    )


def test_hold_reason_before_the_legal_start():
    moment = at_local(FRIDAY, 7, 15, "America/Chicago")

    reason = hold_reason(moment, rules((7, 0), (19, 0)), recipient("America/Chicago"))

    assert reason == "held: 07:15 in America/Chicago is before the 08:00 start; moved to 08:00"


def test_hold_reason_before_the_practice_window_start():
    reason = hold_reason(at_local(FRIDAY, 8, 30), rules(), recipient())

    assert reason == (
        "held: 08:30 in America/New_York is before the practice's 09:00 window start; "
        "moved to 09:00"
    )


def test_hold_reason_past_the_practice_window_end():
    moment = at_local(dt.date(2026, 3, 9), 19, 30, "America/Denver")

    reason = hold_reason(moment, rules(), recipient("America/Denver"))

    assert reason == (
        "held: 19:30 in America/Denver is past the practice's 19:00 window end; moved to 09:00"
    )


def test_hold_reason_past_the_legal_limit():
    reason = hold_reason(at_local(MONDAY, 21, 5), LEGAL_ONLY, recipient())

    assert reason == "held: 21:05 in America/New_York is past the 21:00 legal limit; moved to 08:00"


def test_hold_reason_outside_the_sending_days():
    moment = at_local(SATURDAY, 10, 15, "Europe/London")

    reason = hold_reason(moment, rules(), recipient("Europe/London"))

    assert reason == (
        "held: Saturday in Europe/London is outside the practice's sending days; "
        "moved to Monday 09:00"
    )


def test_hold_reason_is_none_when_allowed():
    assert hold_reason(at_local(FRIDAY, 10, 0), rules(), recipient()) is None


def test_next_allowed_returns_an_allowed_moment_itself_in_utc():
    moment = at_local(FRIDAY, 10, 0)

    result = next_allowed(moment, rules(), recipient())

    assert result == moment
    assert result.tzinfo is UTC


def test_naive_moment_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_allowed(dt.datetime(2026, 3, 6, 10, 0), rules(), recipient())


@pytest.mark.parametrize(
    ("start_day", "days"),
    [(dt.date(2026, 3, 6), 5), (dt.date(2026, 10, 30), 5)],  # spans 03-08 and 11-01
)
def test_due_at_keeps_9_local_across_us_dst_changes(start_day, days):
    weekends = rules(saturday=True, sunday=True)

    dues = [due_at(start_day, day, weekends, recipient()) for day in range(1, days + 1)]

    assert [local(due).time() for due in dues] == [dt.time(9)] * days
    assert [local(due).date() for due in dues] == [
        start_day + dt.timedelta(days=n) for n in range(days)
    ]
    assert len({due.hour for due in dues}) == 2  # the UTC hour moves by one


@pytest.mark.parametrize(
    ("zone", "start_day"),
    [("Europe/London", dt.date(2026, 3, 27)), ("Australia/Lord_Howe", dt.date(2026, 4, 3))],
)
def test_due_at_keeps_9_local_across_dst_in_london_and_lord_howe(zone, start_day):
    weekends = rules(saturday=True, sunday=True)

    dues = [due_at(start_day, day, weekends, recipient(zone)) for day in (1, 2, 3, 4)]

    assert {local(due, zone).time() for due in dues} == {dt.time(9)}
    offsets = {due.astimezone(ZoneInfo(zone)).utcoffset() for due in dues}
    assert len(offsets) == 2


def test_lord_howe_dst_change_is_thirty_minutes():
    zone = "Australia/Lord_Howe"
    weekends = rules(saturday=True, sunday=True)
    before, after = (due_at(dt.date(2026, 4, 4), day, weekends, recipient(zone)) for day in (1, 2))

    assert after - before == dt.timedelta(days=1, minutes=30)


def test_due_at_a_wall_time_skipped_by_the_clock_moves_to_the_end_of_the_gap():
    # Khartoum moved its clocks from 12:00 to 13:00 on 2000-01-15: a gap inside the window.
    window = rules((12, 30), (14, 0), saturday=True, sunday=True)

    due = due_at(dt.date(2000, 1, 15), 1, window, recipient("Africa/Khartoum"))

    assert local(due, "Africa/Khartoum") == dt.datetime(2000, 1, 15, 13, 0)


def test_due_at_a_window_swallowed_by_a_clock_change_moves_to_the_next_day():
    window = rules((12, 15), (12, 45), saturday=True, sunday=True)

    due = due_at(dt.date(2000, 1, 15), 1, window, recipient("Africa/Khartoum"))

    assert local(due, "Africa/Khartoum") == dt.datetime(2000, 1, 16, 12, 15)


def test_due_at_a_day_the_zone_skipped_moves_to_the_next_day():
    # Samoa went from 2011-12-29 straight to 2011-12-31.
    window = rules(saturday=True, sunday=True)

    due = due_at(dt.date(2011, 12, 30), 1, window, recipient("Pacific/Apia"))

    assert local(due, "Pacific/Apia") == dt.datetime(2011, 12, 31, 9, 0)


def test_due_at_an_explicit_time_after_the_window_moves_to_the_next_sending_day():
    due = due_at(FRIDAY, 1, rules(), recipient(), at=dt.time(19, 30))

    assert local(due) == dt.datetime(2026, 3, 9, 9, 0)


def test_day_offsets_start_at_one():
    with pytest.raises(ValueError, match="start at 1"):
        due_at(FRIDAY, 0, rules(), recipient())


@pytest.mark.parametrize("window", [((19, 0), (9, 0)), ((20, 0), (21, 0)), ((9, 0), (9, 0))])
def test_empty_window_raises_a_clear_error(window):
    with pytest.raises(ValueError, match="No time is ever allowed: the practice's sending window"):
        due_at(FRIDAY, 1, rules(*window), recipient(florida=True))
    assert daily_window(rules(*window), recipient(florida=True)) is None


# --- Properties ---------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2040, 12, 31)

clocks = st.builds(dt.time, st.integers(0, 23), st.integers(0, 59))


@functools.cache
def offset_changes(zone: ZoneInfo, year: int) -> tuple[dt.datetime, ...]:
    """UTC instants in ``year`` at which ``zone`` changes offset (found by bisection).

    Sampled daily: no zone changes offset twice within two days from 2000 to 2040.
    """

    def offset(instant: dt.datetime) -> dt.timedelta | None:
        return instant.astimezone(zone).utcoffset()

    changes = []
    instant = dt.datetime(year, 1, 1, tzinfo=UTC)
    while instant.year == year:
        lo, hi = instant, instant + dt.timedelta(days=1)
        if offset(lo) != offset(hi):
            while hi - lo > dt.timedelta(seconds=1):
                middle = lo + (hi - lo) / 2
                lo, hi = (middle, hi) if offset(middle) == offset(lo) else (lo, middle)
            changes.append(hi)
        instant += dt.timedelta(days=1)
    return tuple(changes)


@st.composite
def scenarios(draw) -> tuple[SendingRules, Recipient, dt.datetime]:
    """Rules with a non-empty window, a recipient anywhere, and a moment, often close to
    one of the zone's offset changes (DST, or a change of standard time)."""
    start, end = sorted((draw(clocks), draw(clocks)))
    sending = SendingRules(start, end, draw(st.booleans()), draw(st.booleans()))
    person = Recipient(draw(st.timezones()), draw(st.booleans()))
    assume(daily_window(sending, person) is not None)
    year = draw(st.integers(FIRST_DAY.year, LAST_DAY.year))
    changes = offset_changes(person.zone, year)
    if changes and draw(st.booleans()):
        anchor = draw(st.sampled_from(changes))
    else:
        anchor = dt.datetime(year, 1, 1, tzinfo=UTC) + dt.timedelta(days=draw(st.integers(0, 364)))
    moment = anchor + dt.timedelta(seconds=draw(st.integers(-3 * 86400, 3 * 86400)))
    return sending, person, moment


offsets = st.integers(1, 30)
times_of_day = st.none() | clocks


def wall_time_exists(day: dt.date, wall: dt.time, zone: ZoneInfo) -> bool:
    naive = dt.datetime.combine(day, wall)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


@PROPERTY_SETTINGS
@given(scenarios(), offsets, times_of_day)
def test_every_due_time_is_allowed(scenario, offset, at):
    sending, person, moment = scenario
    start_day = moment.astimezone(person.zone).date()

    due = due_at(start_day, offset, sending, person, at=at)

    assert due.tzinfo is UTC
    assert is_allowed(due, sending, person)


@PROPERTY_SETTINGS
@given(scenarios(), offsets, times_of_day)
def test_day_offsets_hold_in_local_time(scenario, offset, at):
    sending, person, moment = scenario
    # Put the touch's own day next to the zone's offset change, where DST bites.
    target = moment.astimezone(person.zone).date()
    start_day = target - dt.timedelta(days=offset - 1)

    due_day = due_at(start_day, offset, sending, person, at=at).astimezone(person.zone).date()

    assert due_day >= target
    window_start = daily_window(sending, person)[0]
    sending_day = target.weekday() < 5 or (sending.saturday, sending.sunday)[target.weekday() - 5]
    if at is None and sending_day and wall_time_exists(target, window_start, person.zone):
        assert due_day == target


@PROPERTY_SETTINGS
@given(scenarios())
def test_next_allowed_is_allowed_not_earlier_and_idempotent(scenario):
    sending, person, moment = scenario

    result = next_allowed(moment, sending, person)

    assert result >= moment
    assert result.tzinfo is UTC
    assert is_allowed(result, sending, person)
    assert next_allowed(result, sending, person) == result


@PROPERTY_SETTINGS
@given(scenarios())
def test_next_allowed_skips_no_allowed_minute(scenario):
    sending, person, moment = scenario

    result = next_allowed(moment, sending, person)

    for step in (dt.timedelta(seconds=1), dt.timedelta(minutes=1)):
        earlier = result - step
        assert earlier < moment or not is_allowed(earlier, sending, person)


@PROPERTY_SETTINGS
@given(scenarios())
def test_hold_reason_is_given_exactly_when_not_allowed(scenario):
    sending, person, moment = scenario

    reason = hold_reason(moment, sending, person)

    assert (reason is None) == is_allowed(moment, sending, person)
    if reason is not None:
        moved = next_allowed(moment, sending, person).astimezone(person.zone)
        assert reason.startswith("held: ")
        assert "; moved to " in reason
        assert reason.endswith(f"{moved:%H:%M}")
