"""The scoreboard's definitions over a scripted practice, with hand-computed numbers
(see ``tests/scoreboard/scenario.py`` for who did what)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from campaigns.models import OutcomeKind
from campaigns.outcomes import outcome_record
from scoreboard import lift as lifts
from scoreboard import selectors
from scoreboard.report import scoreboard_report
from tests.factories import outcome_correct
from tests.scoreboard import scenario
from tests.scoreboard.scenario import NOW, PERIOD_START

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(practice):
    with time_machine.travel(NOW, tick=False):
        yield scenario.build(practice)


def scope(world, **narrowing):
    return selectors.scope_for(world.practice, start=PERIOD_START, end=NOW.date(), **narrowing)


def test_counts_match_the_hand_computed_scenario(world):
    counts = selectors.stage_counts(scope(world))
    assert counts.contacted == 16  # patients 1-16
    assert counts.reached == 3  # 1-3
    assert counts.replied == 11  # 1-10 and 12
    assert counts.qualified == 6  # 1-5 and 12
    assert counts.scheduled == 5  # 1-5 (12's was corrected)
    assert counts.showed == 2  # 1, 2 (3's showed was corrected to no-show)
    assert counts.no_show == 2  # 3, 4
    assert counts.decisions == 10  # 1-5 yes; 6, 7, 11, 12 no; 8 not now
    assert counts.appointments_due == 4  # 1-4; 5's is on March 20


def test_each_rate_has_its_hand_computed_value(world):
    s = scope(world)
    assert selectors.reply_rate(s) == 11 / 16  # 0.6875
    assert selectors.qualification_rate(s) == 6 / 11
    assert selectors.scheduled_rate(s) == 5 / 6
    assert selectors.scheduled_per_contacted(s) == 5 / 16
    assert selectors.show_rate(s) == 2 / 4
    assert selectors.decision_rate(s) == 10 / 16


def test_revenue_recovered_is_the_quotes_of_the_scheduled(world):
    assert selectors.revenue_recovered(scope(world)) == Decimal(1000 + 2000 + 3000 + 4000 + 5000)


def test_revenue_at_stake_is_the_quotes_of_patients_still_undecided(world):
    at_stake = selectors.revenue_at_stake(scope(world))
    # Treated 8, 9, 10 and 13-20, and the held-out 22-25 (21 booked: no longer stalled).
    expected = sum([8, 9, 10, *range(13, 21), *range(22, 26)]) * 1000
    assert (at_stake.patients, at_stake.amount) == (15, Decimal(expected))


def test_one_selector_per_definition_agrees_with_the_counts(world):
    s = scope(world)
    assert [
        selectors.contacted(s),
        selectors.reached(s),
        selectors.replied(s),
        selectors.qualified(s),
        selectors.scheduled(s),
        selectors.showed(s),
        selectors.decisions(s),
    ] == [16, 3, 11, 6, 5, 2, 10]


def test_a_coordinator_scope_counts_only_their_patients(world):
    s = scope(world, coordinator_id=world.coordinator_b.user_id)
    counts = selectors.stage_counts(s)
    assert (counts.contacted, counts.replied, counts.decisions) == (4, 0, 0)  # 13-16
    assert counts.reply_rate == 0.0 and counts.qualification_rate is None


def test_a_bucket_scope_counts_only_that_bucket(world):
    counts = selectors.stage_counts(scope(world, bucket="scheduling"))
    assert (counts.contacted, counts.replied, counts.decisions) == (6, 1, 2)  # 11-16; 12; 11, 12


def test_an_empty_period_has_no_rates(world):
    s = selectors.scope_for(world.practice, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))
    counts = selectors.stage_counts(s)
    assert counts.contacted == 0
    assert [counts.reply_rate, counts.show_rate, counts.decision_rate] == [None, None, None]


def test_a_correction_replaces_the_entry_it_points_at(world):
    p = world.patients
    with time_machine.travel(NOW, tick=False):
        replied = p[10].outcomes.get(kind=OutcomeKind.REPLIED)
        outcome_correct(replied, kind=OutcomeKind.NO_ANSWER, user=None)
    counts = selectors.stage_counts(scope(world))
    assert counts.replied == 10 and counts.contacted == 16


def test_a_correction_of_a_correction_counts_only_the_last(world):
    p = world.patients
    with time_machine.travel(NOW, tick=False):
        first = p[12].outcomes.get(kind=OutcomeKind.NOT_A_FIT)
        outcome_correct(first, kind=OutcomeKind.SCHEDULED, user=None)
    counts = selectors.stage_counts(scope(world))
    assert counts.scheduled == 6 and counts.not_a_fit == 1 and counts.decisions == 10


def test_weeks_buckets_and_coordinators_add_up_to_the_totals(world):
    with time_machine.travel(NOW, tick=False):
        outcome_record(
            contact=world.patients[17].contact,
            enrollment=world.patients[17],
            kind=OutcomeKind.NO_ANSWER,
            at=NOW - dt.timedelta(days=9),
        )
        report = scoreboard_report(scope(world))
    for rows in (
        [c for _w, c in report.weeks],
        [r.counts for r in report.by_bucket],
        [r.counts for r in report.by_coordinator],
    ):
        assert sum(c.contacted for c in rows) == report.totals.contacted == 17
        assert sum(c.decisions for c in rows) == report.totals.decisions


def test_an_outcome_counts_in_the_period_of_its_time(world):
    before = selectors.scope_for(world.practice, start=PERIOD_START, end=dt.date(2026, 3, 15))
    assert selectors.contacted(before) == 0
    assert selectors.show_rate(before) == 2 / 4  # appointments of March 10-13


def test_lost_reasons_count_categories_and_keep_the_words(world):
    lost = selectors.lost_reasons(scope(world))
    assert lost.by_category == [("price", "Price", 1)]
    assert [o.reason_text for o in lost.recent] == ["=cheaper nearby"]


def test_true_lift_compares_treated_and_held_out_with_sample_sizes(world):
    lift, per_campaign = lifts.true_lift(scope(world))
    # Treated: 1-5 booked of 20. Held out: 21 booked on their own, of 5.
    assert (lift.treated_booked, lift.treated_n) == (5, 20)
    assert (lift.held_out_booked, lift.held_out_n) == (1, 5)
    assert lift.difference == pytest.approx(0.25 - 0.2)
    low, high = lift.interval
    assert low < 0 < high and not lift.conclusive
    assert [row.campaign_id for row in per_campaign] == [world.campaign.pk]


def test_a_booking_after_the_attribution_window_does_not_count(world):
    practice = world.practice
    practice.attribution_window_days = 1
    practice.save()
    # Day 10 is the sequence's last: the window closes at the end of March 12.
    late = world.patients[21].contact
    late.last_activity = dt.date(2026, 3, 13)
    late.save()
    lift, _ = lifts.true_lift(scope(world))
    assert lift.held_out_booked == 0


def test_another_practice_sees_none_of_it(world, other_practice):
    s = selectors.scope_for(other_practice, start=PERIOD_START, end=NOW.date())
    counts = selectors.stage_counts(s)
    assert (counts.contacted, counts.decisions, counts.appointments_due) == (0, 0, 0)
    assert selectors.revenue_at_stake(s).patients == 0
    assert lifts.true_lift(s)[0].treated_n == 0
