"""The rollups (``scoreboard.models``, kept by PostgreSQL triggers) always equal the live
queries over the outcome log: on the scripted scenario, after corrections, and on random
histories of outcomes, corrections, undos, reassignments, new quotes and time zones (each
new time zone followed by its rebuild, as the task runs it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import Enrollment, Outcome, OutcomeKind, State
from campaigns.outcomes import outcome_undo
from contacts.models import Contact
from reactivate.models import Role
from scoreboard import lift as lifts
from scoreboard import selectors, shows
from scoreboard.services import rollups_rebuild
from tests.factories import (
    CampaignFactory,
    ContactFactory,
    EnrollmentFactory,
    MembershipFactory,
    outcome_correct,
)
from tests.scoreboard import oracle, scenario
from tests.scoreboard.scenario import NOW, PERIOD_START

pytestmark = pytest.mark.django_db


def _slices(slices):
    return sorted(
        (
            (s.week, s.campaign_id, s.bucket, s.coordinator_id or 0, s.variant_id or 0),
            sorted((k, Decimal(v)) for k, v in s.values.items()),
        )
        for s in slices
    )


def assert_rollups_equal_live(scope, now):
    """Every rollup-backed selector equals its live reference for ``scope``."""
    assert _slices(selectors.stage_slices(scope)) == _slices(oracle.stage_slices_live(scope))
    assert _slices(selectors.appointment_slices(scope, now)) == _slices(
        oracle.appointment_slices_live(scope, now)
    )
    assert lifts.true_lift(scope) == oracle.true_lift_live(scope)
    assert lifts.show_lift(scope) == oracle.show_lift_live(scope)
    assert selectors.revenue_at_stake(scope) == oracle.revenue_at_stake_live(scope)
    assert selectors.lost_reasons(scope) == oracle.lost_reasons_live(scope)
    coordinator = scope.coordinator_id
    assert shows.appointments_waiting(
        scope.practice, coordinator_id=coordinator
    ) == oracle.appointments_waiting_live(scope.practice, coordinator_id=coordinator)


@pytest.fixture
def world(practice):
    with time_machine.travel(NOW, tick=False):
        yield scenario.build(practice)


def scopes_of(world):
    practice = world.practice
    end = NOW.date()
    yield selectors.scope_for(practice, start=PERIOD_START, end=end)
    yield selectors.scope_for(practice, end=end)  # all time
    for day in range(1, 17):  # every one-day and every later-starting period
        yield selectors.scope_for(practice, start=dt.date(2026, 3, day), end=end)
        yield selectors.scope_for(practice, start=dt.date(2026, 3, day), end=dt.date(2026, 3, day))
    yield selectors.scope_for(practice, start=PERIOD_START, end=end, bucket="scheduling")
    yield selectors.scope_for(practice, start=PERIOD_START, end=end, campaign_id=world.campaign.pk)
    for membership in (world.coordinator_a, world.coordinator_b):
        yield selectors.scope_for(
            practice, start=PERIOD_START, end=end, coordinator_id=membership.user_id
        )


def test_the_rollups_equal_the_live_queries_on_the_scenario(world):
    with time_machine.travel(NOW, tick=False):
        for scope in scopes_of(world):
            assert_rollups_equal_live(scope, NOW)
        # The hand-computed numbers come out of the rollups too.
        counts = selectors.stage_counts(next(scopes_of(world)))
        assert (counts.contacted, counts.scheduled, counts.showed, counts.decisions) == (
            16,
            5,
            2,
            10,
        )
        assert counts.revenue_recovered == Decimal(15000)


def test_the_rollups_follow_corrections_undos_and_changes(world):
    p = world.patients
    with time_machine.travel(NOW, tick=False):
        outcome_correct(p[10].outcomes.get(kind=OutcomeKind.REPLIED), kind="no_answer", user=None)
        fit = p[12].outcomes.get(kind=OutcomeKind.NOT_A_FIT)
        outcome_correct(fit, kind=OutcomeKind.SCHEDULED, user=None)  # a correction's correction
        late = Outcome.objects.create(
            practice=world.practice,
            contact=p[9].contact,
            enrollment=p[9],
            kind=OutcomeKind.NOT_NOW,
            user=world.coordinator_a.user,
            at=NOW,
        )
        outcome_undo(late, user=world.coordinator_a.user, now=NOW)
        Enrollment.objects.filter(pk=p[13].pk).update(coordinator=world.coordinator_a.user)
        Enrollment.objects.filter(pk=p[14].pk).update(bucket="inquiry")
        Contact.objects.filter(pk=p[1].contact_id).update(quoted_amount=Decimal("123.45"))
        Contact.objects.filter(pk=p[22].contact_id).update(
            last_outcome="scheduled", last_activity=dt.date(2026, 3, 5)
        )
        for scope in scopes_of(world):
            assert_rollups_equal_live(scope, NOW)
        counts = selectors.stage_counts(next(scopes_of(world)))
        assert (counts.replied, counts.scheduled) == (10, 6)


def test_after_a_new_time_zone_the_rebuild_counts_the_days_in_it(world):
    practice = world.practice
    practice.time_zone = ZoneInfo("Pacific/Auckland")
    practice.save()
    rollups_rebuild(practice.pk)
    with time_machine.travel(NOW, tick=False):
        for scope in scopes_of(world):
            assert_rollups_equal_live(scope, NOW)


# --- Random histories ------------------------------------------------------------------

BASE = dt.datetime(2026, 3, 1, 0, 0, tzinfo=ZoneInfo("America/New_York"))
KINDS = [k for k in OutcomeKind if k != OutcomeKind.UNDONE]
ZONES = ["America/New_York", "UTC", "Asia/Kolkata", "Pacific/Auckland"]

record = st.tuples(
    st.just("record"),
    st.integers(0, 5),  # enrollment
    st.sampled_from(KINDS),
    st.integers(0, 40 * 24),  # hours after BASE (across the DST change of March 8)
)
correct = st.tuples(
    st.just("correct"), st.integers(0, 100), st.sampled_from([*KINDS, OutcomeKind.UNDONE])
)
change = st.tuples(
    st.just("change"),
    st.integers(0, 5),
    st.sampled_from(["coordinator", "bucket", "held_out", "state", "appointment", "quote"]),
    st.integers(0, 40),
)
own = st.tuples(st.just("own"), st.integers(0, 5), st.integers(0, 40))
zone = st.tuples(st.just("zone"), st.sampled_from(ZONES))
history = st.lists(st.one_of(record, record, record, correct, change, own, zone), max_size=40)
periods = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 20)), min_size=1, max_size=4)


def _apply(step, practice, enrollments, members):
    what = step[0]
    if what == "record":
        _, i, kind, hours = step
        e = enrollments[i]
        Outcome.objects.create(
            practice=practice,
            contact_id=e.contact_id,
            enrollment=e,
            kind=kind,
            at=BASE + dt.timedelta(hours=hours),
        )
    elif what == "correct":
        _, i, kind = step
        outcomes = list(Outcome.objects.filter(practice=practice).order_by("id"))
        if outcomes:
            target = outcomes[i % len(outcomes)]
            Outcome.objects.create(
                practice=practice,
                contact_id=target.contact_id,
                enrollment_id=target.enrollment_id,
                kind=kind,
                at=target.at + dt.timedelta(hours=kind == OutcomeKind.UNDONE or 30),
                corrects=target,
            )
    elif what == "change":
        _, i, field, n = step
        e = enrollments[i]
        rows = Enrollment.objects.filter(pk=e.pk)
        if field == "coordinator":
            rows.update(coordinator=members[n % 3])
        elif field == "bucket":
            rows.update(bucket=["inquiry", "scheduling", "consultation"][n % 3])
        elif field == "held_out":
            rows.update(held_out=n % 2 == 0)
        elif field == "state":
            rows.update(state=[State.SCHEDULED, State.NURTURE, State.CLOSED_NOT_FIT][n % 3])
        elif field == "appointment":
            rows.update(appointment_at=BASE + dt.timedelta(days=n, hours=10))
        else:
            Contact.objects.filter(pk=e.contact_id).update(
                quoted_amount=None if n % 4 == 0 else Decimal(n * 250)
            )
    elif what == "own":
        _, i, n = step
        Contact.objects.filter(pk=enrollments[i].contact_id).update(
            last_outcome="scheduled" if n % 3 else "no_show",
            last_activity=BASE.date() + dt.timedelta(days=n - 5),
            next_appointment=BASE.date() + dt.timedelta(days=n) if n % 5 == 0 else None,
            do_not_contact=n % 7 == 0,
        )
    else:
        practice.time_zone = ZoneInfo(step[1])
        practice.save(update_fields=["time_zone"])
        rollups_rebuild(practice.pk)


def random_history_world(practice):
    """What the random histories act on: two coordinators (and nobody), a campaign with a
    holdout and one without, and six enrollments across them, their buckets and
    coordinators, one held out, starting a day apart, most patients with a quoted amount.
    Returns (members, campaigns, enrollments)."""
    members = [
        MembershipFactory(practice=practice, role=Role.COORDINATOR).user for _ in range(2)
    ] + [None]
    campaigns = [
        CampaignFactory(practice=practice, holdout_percent=h, start_date=BASE.date())
        for h in (20, 0)
    ]
    enrollments = [
        EnrollmentFactory(
            campaign=campaigns[i % 2],
            contact=ContactFactory(
                practice=practice,
                quoted_amount=Decimal(1000 * (i + 1)) if i % 3 else None,
                last_outcome=["inquiry", "canceled", "no_show"][i % 3],
            ),
            bucket=["inquiry", "scheduling"][i % 2],
            coordinator=members[i % 3],
            held_out=i == 5,
            start_day=BASE.date() + dt.timedelta(days=i),
        )
        for i in range(6)
    ]
    return members, campaigns, enrollments


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=history, windows=periods)
def test_the_rollups_equal_the_live_queries_on_random_histories(practice, steps, windows):
    now = BASE + dt.timedelta(days=30)
    with transaction.atomic(), time_machine.travel(now, tick=False):
        practice.time_zone = ZoneInfo("America/New_York")
        practice.save(update_fields=["time_zone"])
        rollups_rebuild(practice.pk)
        members, campaigns, enrollments = random_history_world(practice)
        checked = 0
        for n, step in enumerate(steps):
            _apply(step, practice, enrollments, members)
            if n % 10 == 9:  # also in the middle of the history
                checked += _check(practice, windows, campaigns, members, now)
        checked += _check(practice, windows, campaigns, members, now)
        assert checked
        transaction.set_rollback(True)


def _check(practice, windows, campaigns, members, now) -> int:
    practice.refresh_from_db()
    checked = 0
    for offset, length in windows:
        start = BASE.date() + dt.timedelta(days=offset - 5)
        end = start + dt.timedelta(days=length)
        for narrowing in (
            {},
            {"campaign_id": campaigns[0].pk},
            {"bucket": "scheduling"},
            {"coordinator_id": members[0].pk},
        ):
            assert_rollups_equal_live(
                selectors.scope_for(practice, start=start, end=end, **narrowing), now
            )
            checked += 1
    assert_rollups_equal_live(selectors.scope_for(practice, end=now.date()), now)
    return checked + 1
