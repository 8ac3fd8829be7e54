"""The owner's dashboard: who sees what, the numbers on the page, and its query count."""

import re

import pytest
import time_machine
from django.urls import reverse

from reactivate.models import Role
from tests.factories import EnrollmentFactory, MembershipFactory
from tests.scoreboard import scenario
from tests.scoreboard.scenario import NOW

pytestmark = pytest.mark.django_db

MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-16"}


def url(practice):
    return reverse("scoreboard:dashboard", kwargs={"practice_slug": practice.slug})


@pytest.fixture
def world(practice):
    with time_machine.travel(NOW, tick=False):
        yield scenario.build(practice)


def page(client, practice, **params):
    with time_machine.travel(NOW, tick=False):
        return client.get(url(practice), {**MARCH, **params})


def tile(response, name):
    html = response.content.decode()
    start = html.index(f'id="tile-{name}"')
    return html[start : html.index("</li>", start)]


def test_the_owner_sees_every_tile_with_the_practices_numbers(client_for, member, world):
    response = page(client_for(member(Role.OWNER)), world.practice)
    assert response.status_code == 200
    assert "68.8%" in tile(response, "reply")  # 11 / 16
    assert "54.5%" in tile(response, "qualification")  # 6 / 11
    assert "83.3%" in tile(response, "scheduled")  # 5 / 6
    assert "50.0%" in tile(response, "show")  # 2 / 4
    assert "62.5%" in tile(response, "decision")  # 10 / 16
    assert "$15,000" in tile(response, "recovered")
    assert ">10<" in tile(response, "decisions")


def test_the_owner_sees_the_funnel_trend_tables_lost_reasons_and_lift(client_for, member, world):
    html = page(client_for(member(Role.OWNER)), world.practice).content.decode()
    for heading in ("Funnel", "Weekly trend", "By bucket", "By coordinator", "True lift"):
        assert heading in html
    assert "=cheaper nearby" in html  # what mattered most, shown (escaped) as typed
    assert "(5 of 20)" in html and "(1 of 5)" in html  # lift sample sizes
    assert "<svg" in html and "<script" not in html.split("</header>")[1]


def test_a_coordinator_sees_only_their_own_numbers(client_for, world):
    client = client_for(world.coordinator_b)
    response = page(client, world.practice, coordinator=str(world.coordinator_a.user_id))
    assert "4 contacted" in tile(response, "decision")  # patients 13-16, not A's
    assert "By coordinator" not in response.content.decode()
    assert "Exports" not in response.content.decode()


def test_an_owner_of_another_practice_gets_404(client_for, world, other_practice):
    stranger = client_for(MembershipFactory(practice=other_practice, role=Role.OWNER))
    assert page(stranger, world.practice).status_code == 404


def test_zero_denominators_show_a_dash(client_for, member, practice):
    response = page(client_for(member(Role.OWNER)), practice)
    assert ">—<" in tile(response, "reply") and ">—<" in tile(response, "show")


def test_the_attribution_window_is_on_the_page(client_for, member, practice):
    practice.attribution_window_days = 45
    practice.save()
    response = page(client_for(member(Role.OWNER)), practice)
    assert "attribution window: <strong>45 days</strong>" in response.content.decode()


def test_an_inverted_period_says_so(client_for, member, practice):
    response = page(client_for(member(Role.OWNER)), practice, start="2026-03-10", end="2026-03-01")
    assert "must end on or after its start" in response.content.decode()


def test_the_growth_score_says_its_rates_are_assumed_until_measured(client_for, member, world):
    response = page(client_for(member(Role.OWNER)), world.practice, assume_booked="20")
    html = response.content.decode()
    assert "Practice Growth Score" in html and "assumed" in html
    assert "scheduled per contacted 20.0%" in html


def test_the_query_count_is_pinned_and_does_not_grow_with_data(
    client_for, member, world, django_assert_max_num_queries
):
    client = client_for(member(Role.OWNER))
    page(client, world.practice)
    # 21: the practice's schedule added three (its sources, which figures came from it,
    # the lift of shows).
    with django_assert_max_num_queries(21):
        page(client, world.practice)
    with time_machine.travel(NOW, tick=False):
        EnrollmentFactory.create_batch(30, campaign=world.campaign)
    with django_assert_max_num_queries(21):
        page(client, world.practice)


def test_after_a_new_time_zone_the_owner_reads_that_figures_are_being_recomputed(
    client_for, member, world
):
    world.practice.time_zone = "Pacific/Auckland"
    world.practice.save(update_fields=["time_zone"])
    html = page(client_for(member(Role.OWNER)), world.practice).content.decode()
    assert "Figures are being recomputed for the new time zone (Pacific/Auckland)" in html
    assert "Waiting to start." in html


def test_without_a_new_time_zone_no_recomputing_line_is_shown(client_for, member, world):
    html = page(client_for(member(Role.OWNER)), world.practice).content.decode()
    assert "being recomputed" not in html


def test_revenue_at_stake_is_one_figure_wherever_the_page_shows_it(client_for, member, world):
    html = page(client_for(member(Role.OWNER)), world.practice).content.decode()
    figures = re.findall(r'class="[^"]*sb-at-stake[^"]*">([^<]+)<', html)
    assert len(figures) == 2 and len(set(figures)) == 1
