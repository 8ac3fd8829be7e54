"""Confidence intervals, checked against Newcombe (1998)'s published examples."""

import pytest

from scoreboard.stats import Lift, rate, wilson


def test_a_rate_with_no_denominator_is_none():
    assert rate(3, 0) is None and rate(0, 4) == 0.0


def test_wilson_interval_matches_newcombe():
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


def test_newcombe_difference_interval_matches_the_published_example():
    lift = Lift(treated_n=70, treated_booked=56, held_out_n=80, held_out_booked=48)
    low, high = lift.interval
    assert lift.difference == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    assert lift.conclusive


def test_no_interval_without_both_groups():
    assert Lift(10, 2, 0, 0).interval is None
