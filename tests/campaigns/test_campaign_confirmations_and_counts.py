"""Campaign pages a coordinator can trust: starting and stopping are asked again, the
audience preview is there from the first view, and the list, the flash and the detail page
give the same numbers."""

import datetime as dt

import pytest
import time_machine

from campaigns.models import Campaign, CampaignStatus, Enrollment, State
from tests.campaigns.helpers import url
from tests.factories import CampaignFactory, ContactFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


def control(client, practice, campaign, **data):
    return client.post(url("control", practice, campaign_id=campaign.pk), data)


def test_pressing_start_asks_first_and_enrolls_nobody(admin, practice):
    ContactFactory.create_batch(3, practice=practice)
    campaign = CampaignFactory(practice=practice, name="Spring recall", start_date=dt.date.today())

    page = control(admin, practice, campaign, action="start")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Start “Spring recall”?" in text
    assert "<strong>3</strong> patients will be enrolled and contacted" in text
    assert "Yes, start the campaign" in text
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and not Enrollment.objects.exists()


def test_confirming_start_starts_the_campaign(admin, practice):
    ContactFactory.create_batch(2, practice=practice)
    campaign = CampaignFactory(practice=practice, start_date=dt.date.today())

    response = control(admin, practice, campaign, action="start", confirmed="yes")

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING and Enrollment.objects.count() == 2


def test_pressing_stop_asks_first_and_says_who_stops_getting_messages(admin, practice):
    campaign = CampaignFactory(practice=practice, name="Spring", status=CampaignStatus.RUNNING)
    EnrollmentFactory.create_batch(2, campaign=campaign)
    EnrollmentFactory(campaign=campaign, state=State.PAUSED)

    page = control(admin, practice, campaign, action="stop")

    text = page.content.decode()
    assert "Stop “Spring”?" in text
    assert "<strong>2</strong> patients still in the sequence will get nothing more" in text
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    assert set(Enrollment.objects.values_list("state", flat=True)) == {State.ACTIVE, State.PAUSED}


def test_confirming_stop_stops_the_campaign(admin, practice):
    campaign = CampaignFactory(practice=practice, status=CampaignStatus.RUNNING)
    enrollment = EnrollmentFactory(campaign=campaign)

    control(admin, practice, campaign, action="stop", confirmed="yes")

    campaign.refresh_from_db()
    enrollment.refresh_from_db()
    assert campaign.status == CampaignStatus.STOPPED and enrollment.state == State.COMPLETED


def test_pausing_needs_no_confirmation(admin, practice):
    campaign = CampaignFactory(practice=practice, status=CampaignStatus.RUNNING)
    control(admin, practice, campaign, action="pause")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED


def test_the_confirmation_page_of_another_practices_campaign_is_not_found(
    admin, practice, other_practice
):
    foreign = CampaignFactory(practice=other_practice)
    assert control(admin, practice, foreign, action="start").status_code == 404


def test_the_audience_preview_shows_before_a_name_is_typed(admin, practice):
    ContactFactory.create_batch(2, practice=practice)
    ContactFactory(practice=practice, do_not_contact=True)

    page = admin.get(url("new", practice))

    text = page.content.decode()
    assert "<strong>2</strong> will be enrolled and contacted" in text
    assert "Left out, by reason (1)" in text


def test_a_form_missing_its_name_keeps_the_audience_preview(admin, practice):
    ContactFactory.create_batch(2, practice=practice)

    page = admin.post(
        url("new", practice),
        {"buckets": ["inquiry"], "start_date": "2026-12-01", "holdout_percent": "50"},
    )

    assert page.status_code == 200 and not Campaign.objects.exists()
    assert page.context["enrolled"] == 1 and page.context["held_out"] == 1


@pytest.fixture
def started_with_holdout(admin, practice):
    """Ten eligible patients, half held out, started through the confirmation page."""
    ContactFactory.create_batch(10, practice=practice)
    campaign = CampaignFactory(practice=practice, holdout_percent=50, start_date=dt.date.today())
    response = control(admin, practice, campaign, action="start", confirmed="yes")
    return campaign, admin.get(response["Location"])


def test_a_held_out_patient_is_not_counted_as_active(started_with_holdout):
    _campaign, detail = started_with_holdout
    states = dict(detail.context["states"])
    assert states["Active"] == 5
    assert "Held out (never contacted)" in detail.content.decode()


def test_the_list_the_flash_and_the_detail_page_give_the_same_counts(
    started_with_holdout, admin, practice
):
    campaign, detail = started_with_holdout
    listed = admin.get(url("index", practice)).context["campaigns"].get(pk=campaign.pk)
    shown = detail.context["campaign"]

    assert "Started: 5 enrolled, 5 held out, 0 left out." in detail.content.decode()
    assert (listed.enrolled, listed.open, listed.held_out, listed.scheduled) == (5, 5, 5, 0)
    assert (shown.enrolled, shown.open, shown.held_out, shown.scheduled) == (5, 5, 5, 0)
    assert sum(count for _label, count in detail.context["states"]) == shown.enrolled


def test_the_campaigns_list_is_newest_first(admin, practice):
    for name, day in [("Older", 1), ("Newest", 3), ("Middle", 2)]:
        with time_machine.travel(dt.datetime(2026, 11, day, 9, tzinfo=dt.UTC), tick=False):
            CampaignFactory(practice=practice, name=name)

    page = admin.get(url("index", practice))

    assert [c.name for c in page.context["campaigns"]] == ["Newest", "Middle", "Older"]
