"""Campaign pages: create with a live audience preview, start, pause, resume, stop."""

import datetime as dt

import pytest

from campaigns.models import Campaign, CampaignStatus, Enrollment, State, TouchStatus
from reactivate.models import AuditEvent, Role
from tests.campaigns.helpers import url
from tests.factories import CampaignFactory, ContactFactory

pytestmark = pytest.mark.django_db


# What the confirmation page's button posts.
START = {"action": "start", "confirmed": "yes"}
STOP = {"action": "stop", "confirmed": "yes"}

FORM = {
    "name": "Spring",
    "buckets": ["inquiry"],
    "start_date": "2026-12-01",
    "assignment": "round_robin",
    "holdout_percent": "0",
}


def test_the_preview_counts_who_would_be_enrolled_and_left_out(admin, practice):
    ContactFactory.create_batch(4, practice=practice)
    ContactFactory(practice=practice, do_not_contact=True)

    page = admin.post(url("preview", practice), {**FORM, "holdout_percent": "25"})

    assert page.context["enrolled"] == 3 and page.context["held_out"] == 1
    assert page.context["preview"].excluded["do_not_contact"] == 1
    assert "Do not contact" in page.content.decode()


def test_creating_a_campaign_saves_a_draft_with_its_variants(admin, practice):
    response = admin.post(url("new", practice), {**FORM, "variant_b": "Hi {first_name}, still on?"})

    campaign = Campaign.objects.get()
    assert response["Location"] == url("detail", practice, campaign_id=campaign.pk)
    assert campaign.status == CampaignStatus.DRAFT and campaign.buckets == ["inquiry"]
    assert [v.label for v in campaign.variants.all()] == ["A", "B"]
    assert AuditEvent.objects.filter(object_type="campaigns.campaign").exists()


def test_an_opener_with_an_unknown_placeholder_is_refused(admin, practice):
    page = admin.post(url("new", practice), {**FORM, "variant_b": "Hi {patient}"})
    assert page.status_code == 200 and not Campaign.objects.exists()
    assert "unknown placeholders" in page.content.decode()


def test_starting_enrolls_and_says_how_many(admin, practice):
    ContactFactory.create_batch(2, practice=practice)
    campaign = CampaignFactory(practice=practice, start_date=dt.date.today())

    response = admin.post(url("control", practice, campaign_id=campaign.pk), START)

    page = admin.get(response["Location"])
    assert "Started: 2 enrolled, 0 held out, 0 left out." in page.content.decode()
    assert Enrollment.objects.count() == 2


def test_pause_and_resume(admin, practice):
    campaign = CampaignFactory(practice=practice, status=CampaignStatus.RUNNING)
    admin.post(url("control", practice, campaign_id=campaign.pk), {"action": "pause"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED
    admin.post(url("control", practice, campaign_id=campaign.pk), {"action": "resume"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING


def test_stopping_completes_active_enrollments_and_skips_their_touches(admin, practice):
    ContactFactory(practice=practice)
    campaign = CampaignFactory(practice=practice, start_date=dt.date.today())
    admin.post(url("control", practice, campaign_id=campaign.pk), START)

    admin.post(url("control", practice, campaign_id=campaign.pk), STOP)

    enrollment = Enrollment.objects.get()
    assert enrollment.state == State.COMPLETED
    assert set(enrollment.touches.values_list("status", flat=True)) == {TouchStatus.SKIPPED}


def test_a_draft_cannot_be_paused(admin, practice):
    campaign = CampaignFactory(practice=practice)
    response = admin.post(url("control", practice, campaign_id=campaign.pk), {"action": "pause"})
    page = admin.get(response["Location"])
    assert "A draft campaign cannot be paused." in page.content.decode()


def test_owners_see_campaigns_but_cannot_start_them(client_for, member, practice):
    owner = client_for(member(Role.OWNER))
    campaign = CampaignFactory(practice=practice)
    assert owner.get(url("detail", practice, campaign_id=campaign.pk)).status_code == 200
    response = owner.post(url("control", practice, campaign_id=campaign.pk), START)
    assert response.status_code == 403


def test_the_list_shows_counts_without_a_query_per_campaign(
    admin, practice, django_assert_max_num_queries
):
    for _ in range(5):
        CampaignFactory(practice=practice)
    with django_assert_max_num_queries(12):
        page = admin.get(url("index", practice))
    assert len(page.context["campaigns"]) == 5
