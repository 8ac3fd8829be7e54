"""The campaigns part of ``seed_demo``: a running campaign over every bucket, with a
10% holdout, and a few patients who replied, so the queue and the scoreboard have data."""

from __future__ import annotations

from django.utils import timezone

from campaigns.models import Campaign, Enrollment
from campaigns.services import campaign_create, campaign_start, enrollment_reply
from contacts.models import Bucket
from reactivate.models import Practice, Role

DEMO_NAME = "Winter reactivation"
DEMO_REPLIES = 5


def demo_extend(practice: Practice) -> list[str]:
    if Campaign.objects.filter(practice=practice, name=DEMO_NAME).exists():
        return [f"Campaign '{DEMO_NAME}' already running."]
    today = timezone.localdate(timezone=practice.time_zone)
    coordinators = practice.memberships.filter(role=Role.COORDINATOR).values_list(
        "user_id", flat=True
    )
    campaign = campaign_create(
        practice=practice,
        name=DEMO_NAME,
        buckets=list(Bucket.values),
        start_date=today,
        holdout_percent=10,
        coordinators=list(coordinators),
        variants=[(1, ""), (1, "Hi {first_name}, it's {practice_name}. Still interested?")],
    )
    result = campaign_start(campaign, today=today)
    treated = Enrollment.objects.filter(campaign=campaign, held_out=False).order_by("pk")
    for enrollment in treated[:DEMO_REPLIES]:
        enrollment_reply(enrollment)
    return [
        f"Campaign '{DEMO_NAME}': {result['enrolled']} enrolled, {result['held_out']} held "
        f"out, {DEMO_REPLIES} replies waiting."
    ]
