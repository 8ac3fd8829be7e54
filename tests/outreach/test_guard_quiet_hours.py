"""Quiet hours as a property over time zones: whatever the zone, moment and window, the
guard never lets a touch out at a local time the rules forbid, and a hold always names a
later moment that the rules allow."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.scheduling import Recipient, SendingRules, is_allowed
from outreach.guard import Action, guard_check
from tests.outreach.helpers import claimed_touch

pytestmark = pytest.mark.django_db

ZONES = st.sampled_from(
    [
        "America/New_York",
        "America/Los_Angeles",
        "America/Phoenix",
        "Pacific/Honolulu",
        "Europe/London",
        "Australia/Lord_Howe",
        "Asia/Kathmandu",
        "America/St_Johns",
    ]
)
MOMENTS = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2027, 12, 31),
    timezones=st.just(dt.UTC),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    zone=ZONES,
    moment=MOMENTS,
    start=st.integers(6, 12),
    end=st.integers(13, 23),
    florida=st.booleans(),
)
def test_the_guard_never_sends_in_quiet_hours(practice, zone, moment, start, end, florida):
    practice.sending_window_start, practice.sending_window_end = dt.time(start), dt.time(end)
    practice.sends_on_saturday = practice.sends_on_sunday = True
    touch = claimed_touch(
        practice,
        time_zone=zone,
        phone="+13055550123" if florida else "+12125550123",
    )
    touch.practice = practice
    verdict = guard_check(touch, moment)
    rules = SendingRules.of(practice)
    recipient = Recipient(ZoneInfo(zone), florida)
    if verdict.action == Action.SEND:
        assert is_allowed(moment, rules, recipient)
    else:
        assert verdict.action == Action.HOLD
        assert verdict.until > moment and is_allowed(verdict.until, rules, recipient)
