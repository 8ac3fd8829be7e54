"""``seed_demo`` leaves a running campaign with live enrollments and replies waiting."""

from django.core.management import call_command

from campaigns.models import Campaign, CampaignStatus, Enrollment, State, Touch


def test_seed_demo_runs_a_campaign(db):
    call_command("seed_demo")
    campaign = Campaign.objects.get(practice__slug="demo")
    assert campaign.status == CampaignStatus.RUNNING
    assert Enrollment.objects.filter(campaign=campaign, state=State.ACTIVE).count() > 100
    assert Enrollment.objects.filter(campaign=campaign, held_out=True).exists()
    assert Enrollment.objects.filter(campaign=campaign, state=State.PAUSED).count() >= 5
    assert Touch.objects.filter(enrollment__campaign=campaign, status="planned").exists()


def test_seed_demo_twice_starts_one_campaign(db):
    call_command("seed_demo")
    call_command("seed_demo")
    assert Campaign.objects.filter(practice__slug="demo").count() == 1
