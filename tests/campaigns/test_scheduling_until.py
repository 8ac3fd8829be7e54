"""How long an allowed moment stays allowed (a text's validity period ends there), and the
window in words for a touch's receipt."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from campaigns.scheduling import (
    Recipient,
    SendingRules,
    allowed_until,
    is_allowed,
    window_words,
)

UTC = dt.UTC
NEW_YORK = ZoneInfo("America/New_York")
LEGAL_ONLY = SendingRules(dt.time(0), dt.time(23, 59), True, True)


def at(day: dt.date, hour: int, minute: int = 0, zone=NEW_YORK) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def test_an_allowed_moment_is_allowed_until_the_window_closes():
    person = Recipient(NEW_YORK, ("FL",))
    until = allowed_until(at(dt.date(2026, 3, 6), 19, 30), LEGAL_ONLY, person)

    assert until == dt.datetime(2026, 3, 7, 1, 0, tzinfo=UTC)  # 20:00 EST
    assert until.tzinfo is UTC
    assert not is_allowed(until, LEGAL_ONLY, person)
    assert is_allowed(until - dt.timedelta(microseconds=1), LEGAL_ONLY, person)


def test_a_moment_outside_the_window_has_no_allowed_span():
    assert allowed_until(at(dt.date(2026, 3, 6), 21, 5), LEGAL_ONLY, Recipient(NEW_YORK)) is None


def test_the_span_ends_at_the_practice_window_when_it_closes_first():
    sending = SendingRules(dt.time(9), dt.time(17, 30), False, False)
    until = allowed_until(at(dt.date(2026, 3, 6), 9), sending, Recipient(NEW_YORK))

    assert until == at(dt.date(2026, 3, 6), 17, 30).astimezone(UTC)


def test_window_words_name_the_hours_zone_and_states():
    words = window_words(at(dt.date(2026, 3, 6), 12), LEGAL_ONLY, Recipient(NEW_YORK, ("FL",)))

    assert words == "08:00-20:00 America/New_York (FL)"
