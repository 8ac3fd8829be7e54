"""What the owner reads about the practice's schedule: which scheduled and showed figures
came from it, the lift of bookings and shows, a warning when it was last read too long ago,
and on the shows page that the schedule records shows itself."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import NoReverseMatch, reverse

from campaigns.bookings import appointment_mark
from campaigns.enrollments import enrollment_move
from campaigns.models import State
from reactivate.models import Role
from schedule.models import Source
from scoreboard import lift as lifts
from scoreboard import schedule_figures, selectors
from tests.scoreboard import oracle
from tests.scoreboard.synced import (
    APPOINTMENT,
    NOW,
    START,
    booked,
    patients,
    source_connect,
)

pytestmark = pytest.mark.django_db

AFTER = dt.datetime(2026, 3, 10, 18, 0, tzinfo=APPOINTMENT.tzinfo)
PERIOD = {"period": "custom", "start": "2026-03-01", "end": "2026-03-16"}


@pytest.fixture
def owner(client_for, member):
    return client_for(member(Role.OWNER))


def dashboard(client, practice, at=NOW):
    url = reverse("scoreboard:dashboard", kwargs={"practice_slug": practice.slug})
    with time_machine.travel(at, tick=False):
        return client.get(url, PERIOD).content.decode()


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def health_url(practice) -> str | None:
    try:
        return reverse("schedule:health", kwargs={"practice_slug": practice.slug})
    except NoReverseMatch:  # the sync health page is not in this build
        return None


def _three_synced_one_logged(practice):
    """Three bookings from the export (two showed), one scheduled and marked showed by a
    coordinator."""
    source = source_connect(practice)
    synced = patients(practice, 3)
    for enrollment in synced:
        booked(source, enrollment)
    for enrollment in synced[:2]:
        booked(source, enrollment, status="fulfilled", at=AFTER)
    (logged,) = patients(practice, 1, campaign=synced[0].campaign)
    with time_machine.travel(dt.datetime(2026, 3, 6, 9, 0, tzinfo=APPOINTMENT.tzinfo)):
        enrollment_move(logged, State.SCHEDULED, appointment_at=APPOINTMENT)
    with time_machine.travel(AFTER, tick=False):
        appointment_mark(logged, showed=True, user=None)
    return source


def test_the_dashboard_says_which_figures_came_from_the_practice_system(owner, practice):
    _three_synced_one_logged(practice)
    page = text(dashboard(owner, practice))
    assert (
        "4 scheduled · 3 from Appointment export, 1 logged by coordinators; "
        "3 showed · 2 from Appointment export, 1 logged by coordinators."
    ) in page


def test_the_split_adds_up_to_the_scoreboards_counts(practice):
    _three_synced_one_logged(practice)
    with time_machine.travel(NOW, tick=False):
        scope = selectors.scope_for(practice, start=START, end=NOW.date())
        split = schedule_figures.source_split(scope)
        totals = selectors.stage_counts(scope)
    assert split.scheduled_synced + split.scheduled_logged == totals.scheduled == 4
    assert split.showed_synced + split.showed_logged == totals.showed == 3


def test_without_a_source_the_dashboard_does_not_split_the_figures(owner, practice):
    (enrollment,) = patients(practice, 1)
    with time_machine.travel(APPOINTMENT - dt.timedelta(days=3), tick=False):
        enrollment_move(enrollment, State.SCHEDULED, appointment_at=APPOINTMENT)
    html = dashboard(owner, practice)
    assert 'id="sb-which-is-which"' not in html and 'id="sb-schedule-stale"' not in html


def test_dashboard_warns_when_the_schedule_was_last_read_too_long_ago(owner, practice):
    source = source_connect(practice)
    (enrollment,) = patients(practice, 1)
    booked(source, enrollment, at=dt.datetime(2026, 3, 12, 9, 0, tzinfo=APPOINTMENT.tzinfo))
    html = dashboard(owner, practice)  # March 16: read four days ago, more than two
    assert (
        "The practice's schedule was last read 4 days ago: scheduled and show figures may be low."
    ) in text(html)
    if health_url(practice):
        assert f'href="{health_url(practice)}"' in html


def test_a_recent_read_shows_no_warning(owner, practice):
    source = source_connect(practice)
    (enrollment,) = patients(practice, 1)
    booked(source, enrollment, at=NOW - dt.timedelta(days=1))
    assert 'id="sb-schedule-stale"' not in dashboard(owner, practice)


def test_the_warning_follows_the_practices_setting(owner, practice):
    practice.schedule_stale_days = 7
    practice.save(update_fields=["schedule_stale_days"])
    source = source_connect(practice)
    (enrollment,) = patients(practice, 1)
    booked(source, enrollment, at=NOW - dt.timedelta(days=4))
    assert 'id="sb-schedule-stale"' not in dashboard(owner, practice)


def test_a_source_never_read_warns_that_figures_may_be_low(owner, practice):
    source_connect(practice)
    assert "The practice's schedule has not been read yet" in text(dashboard(owner, practice))


def test_a_disabled_source_is_not_connected(owner, practice):
    Source.objects.create(practice=practice, kind="file", name="Old export", enabled=False)
    assert 'id="sb-schedule-stale"' not in dashboard(owner, practice)


def test_a_coordinator_does_not_see_the_warning(client_for, member, practice):
    source_connect(practice)
    html = dashboard(client_for(member(Role.COORDINATOR)), practice)
    assert 'id="sb-schedule-stale"' not in html


def test_the_lift_of_shows_compares_treated_and_held_out_patients(owner, practice):
    source = source_connect(practice)
    treated = patients(practice, 2)
    held_out = patients(practice, 2, held_out=True, campaign=treated[0].campaign)
    for enrollment in (treated[0], treated[1], held_out[0]):
        booked(source, enrollment)
    booked(source, treated[0], status="fulfilled", at=AFTER)
    booked(source, treated[1], status="fulfilled", at=AFTER)
    booked(source, held_out[0], status="noshow", at=AFTER)
    with time_machine.travel(NOW, tick=False):
        scope = selectors.scope_for(practice, start=START, end=NOW.date())
        shows, _ = lifts.show_lift(scope)
        assert (shows, _) == oracle.show_lift_live(scope)
    assert (shows.treated_booked, shows.treated_n, shows.held_out_booked) == (2, 2, 0)
    assert shows.interval is not None
    page = text(dashboard(owner, practice))
    assert "Patients we worked showed at 100.0% (2 of 2); held-out patients at 0.0% (0 of 2)" in (
        page
    )


def test_the_shows_page_says_shows_come_from_the_schedule(owner, practice):
    source = source_connect(practice)
    (synced,) = patients(practice, 1)
    booked(source, synced)
    booked(source, synced, status="noshow", at=AFTER)
    url = reverse("scoreboard:shows", kwargs={"practice_slug": practice.slug})
    with time_machine.travel(NOW, tick=False):
        html = owner.get(url, {"which": "all"}).content.decode()
    assert "Shows are recorded from the practice's schedule (Appointment export)" in text(html)
    assert "Mark by hand only the appointments the schedule does not know." in text(html)
    assert "No-show (from the practice's schedule)" in text(html)
    assert f'value="{synced.pk}"' not in html  # nothing to mark by hand


def test_the_shows_page_without_a_source_offers_marking_only(owner, practice):
    url = reverse("scoreboard:shows", kwargs={"practice_slug": practice.slug})
    with time_machine.travel(NOW, tick=False):
        html = owner.get(url).content.decode()
    assert "recorded from the practice's schedule" not in html
    assert 'type="file"' not in html  # the results upload is gone


def test_the_outcome_log_export_says_who_recorded_each_entry(owner, practice):
    source = source_connect(practice)
    (enrollment,) = patients(practice, 1)
    booked(source, enrollment)
    url = reverse("scoreboard:export_outcomes", kwargs={"practice_slug": practice.slug})
    with time_machine.travel(NOW, tick=False):
        response = owner.get(url, PERIOD)
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[-1] == "source"
    assert lines[1].split(",")[2] == "scheduled" and lines[1].endswith(",practice_system")
