"""Dates of birth and the day/month order of a date column (contacts.dates)."""

from __future__ import annotations

import datetime as dt

import pytest

from contacts.dates import column_dayfirst, date_parse

TODAY = dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("raw", "born"),
    [
        ("12/22/48", dt.date(1948, 12, 22)),
        ("3/5/24", dt.date(2024, 3, 5)),
        ("12/7/26", dt.date(2026, 12, 7)),  # born today
        ("12/8/26", dt.date(1926, 12, 8)),  # tomorrow, a century ago
        ("5-Mar-48", dt.date(1948, 3, 5)),
        ("01/02/00", dt.date(2000, 1, 2)),
    ],
)
def test_a_two_digit_birth_year_is_never_in_the_future(raw, born):
    assert date_parse(raw, not_after=TODAY) == (born, "")


@pytest.mark.parametrize("raw", ["12/22/2048", "2030-01-01", "March 5, 2031", "20300101"])
def test_a_birth_date_in_the_future_is_a_problem(raw):
    assert date_parse(raw, not_after=TODAY) == (None, f"date '{raw}' is in the future")


def test_other_dates_keep_the_century_nearest_to_this_year():
    assert date_parse("3/5/48") == (dt.date(2048, 3, 5), "")


def test_a_day_first_column_reads_every_cell_day_first():
    assert date_parse("05/03/1980", dayfirst=True) == (dt.date(1980, 3, 5), "")
    assert date_parse("05.03.80", dayfirst=True) == (dt.date(1980, 3, 5), "")


def test_a_date_that_does_not_fit_its_columns_order_is_a_problem_not_swapped():
    assert date_parse("13/05/1980") == (
        None,
        "date '13/05/1980' reads day first, but this column's dates are month first",
    )
    assert date_parse("05/13/1980", dayfirst=True) == (
        None,
        "date '05/13/1980' reads month first, but this column's dates are day first",
    )


def test_a_column_with_a_day_over_twelve_first_is_day_first():
    assert column_dayfirst(["05/03/1980", "", "13/05/1980"], default=False) is True


def test_a_column_with_a_day_over_twelve_second_is_month_first():
    assert column_dayfirst(["05/03/1980", "12/25/1979"], default=True) is False


def test_a_column_that_does_not_tell_takes_the_practices_order():
    values = ["05/03/1980", "1980-03-05", "March 5, 1980", ""]
    assert column_dayfirst(values, default=True) is True
    assert column_dayfirst(values, default=False) is False


def test_a_column_takes_the_order_most_of_its_telling_dates_fit():
    values = ["13/05/1980", "25/12/1979", "05/13/1980"]
    assert column_dayfirst(values, default=False) is True
