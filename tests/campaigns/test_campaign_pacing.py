"""Starting a campaign paced to its coordinators' daily calls (issue 15, point 26): the
start page says when Day 1 is more than they can call, and a spread start puts each day's
share of Day 1 calls in the queue on its own morning."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from campaigns.models import CampaignStatus, Enrollment
from outreach.queue import queue_for
from reactivate.models import Role
from tests.factories import CampaignFactory, ContactFactory

pytestmark = pytest.mark.django_db
# 12:00 in New York, the practice's zone: each Day 1 call is due by then.
NOON = dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def coordinator(member):
    return member(Role.COORDINATOR, daily_calls=100)


def campaign_of(practice, coordinator, patients: int):
    ContactFactory.create_batch(patients, practice=practice)
    campaign = CampaignFactory(practice=practice, start_date=NOON.date())
    campaign.coordinators.set([coordinator.user])
    return campaign


def control(client, campaign, **data):
    url = reverse(
        "campaigns:control",
        kwargs={"practice_slug": campaign.practice.slug, "campaign_id": campaign.pk},
    )
    return client.post(url, data)


def test_starting_more_day_one_calls_than_the_coordinators_can_make_says_so(
    admin, practice, coordinator
):
    coordinator.daily_calls = 2
    coordinator.save()
    campaign = campaign_of(practice, coordinator, 5)

    text = control(admin, campaign, action="start").content.decode()

    assert "Day 1 is more than your coordinators can call in a day." in text
    assert "It plans 5 calls;" in text
    assert "the 1 coordinator working this campaign can make 2 a day" in text
    assert "Spread: 2 new patients a day, over 3 days" in text


def test_a_start_within_the_coordinators_calls_asks_nothing_about_pace(
    admin, practice, coordinator
):
    campaign = campaign_of(practice, coordinator, 5)

    text = control(admin, campaign, action="start").content.decode()

    assert "Yes, start the campaign" in text
    assert 'name="pace"' not in text


def test_starting_all_at_once_despite_the_warning_starts_everyone_on_day_one(
    admin, practice, coordinator
):
    coordinator.daily_calls = 2
    coordinator.save()
    campaign = campaign_of(practice, coordinator, 5)

    control(admin, campaign, action="start", confirmed="yes", pace="all")

    assert set(Enrollment.objects.values_list("start_day", flat=True)) == {NOON.date()}


def calls_due(practice, coordinator) -> int:
    return queue_for(practice, coordinator.user, dt.datetime.now(dt.UTC)).totals["calls"]


def test_a_spread_start_of_300_at_100_calls_a_day_adds_100_calls_each_morning(
    admin, practice, coordinator
):
    campaign = campaign_of(practice, coordinator, 300)

    control(admin, campaign, action="start", confirmed="yes", pace="spread")

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    assert Enrollment.objects.count() == 300  # all enrolled (and reserved) today
    assert calls_due(practice, coordinator) == 100
    with time_machine.travel(NOON + DAY, tick=False):
        assert calls_due(practice, coordinator) == 200  # today's 100 and yesterday's
    with time_machine.travel(NOON + 2 * DAY, tick=False):
        assert calls_due(practice, coordinator) == 300


def test_a_forged_pace_is_ignored_when_the_day_fits(admin, practice, coordinator):
    campaign = campaign_of(practice, coordinator, 5)

    control(admin, campaign, action="start", confirmed="yes", pace="spread")

    assert set(Enrollment.objects.values_list("start_day", flat=True)) == {NOON.date()}
