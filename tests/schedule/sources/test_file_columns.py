"""Reading an appointment export's date and time cells."""

from __future__ import annotations

import datetime as dt

from schedule.sources.file_columns import datetime_parse


def test_a_written_out_date_and_time_is_read():
    assert datetime_parse("Dec 9, 2026 10:00", False) == (dt.datetime(2026, 12, 9, 10, 0), "")


def test_a_date_without_a_year_says_the_year_is_missing():
    assert datetime_parse("March 9 10:00", False) == (
        None,
        "the date 'March 9 10:00' has no year",
    )


def test_a_year_alone_says_the_month_and_day_are_missing():
    assert datetime_parse("2026 10:00", False) == (
        None,
        "the date '2026 10:00' has no month or day",
    )
