"""A coordinator's working day, built the way the queue's own tests build it, on today's
real clock (the live server runs in another thread of this process)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, Channel, Enrollment, State, Touch
from outreach.conversation import replies_waiting_mark
from outreach.models import Message
from tests.factories import CampaignFactory, ContactFactory, EnrollmentFactory


@dataclass
class WorkDay:
    reply: Enrollment  # a patient who texted back: in "Replies waiting"
    call: Enrollment  # a call task due now: in "Calls due now"
    later: Enrollment  # a patient to re-qualify: in "Re-qualify"


def enroll(campaign: Campaign, coordinator, first: str, last: str, **kwargs) -> Enrollment:
    contact = ContactFactory(
        practice=campaign.practice,
        first_name=first,
        last_name=last,
        time_zone="America/New_York",
        treatment_interest="Invisalign",
        quoted_amount=4800,
    )
    return EnrollmentFactory(campaign=campaign, contact=contact, coordinator=coordinator, **kwargs)


def work_day(practice, coordinator) -> WorkDay:
    now = timezone.now()
    campaign = CampaignFactory(practice=practice, status=CampaignStatus.RUNNING)
    reply = enroll(campaign, coordinator, "Rita", "Replies", state=State.PAUSED)
    text = Message.objects.create(
        practice=practice,
        contact=reply.contact,
        direction="in",
        channel="sms",
        kind="reply",
        body="Yes, still interested. Is next week possible?",
        status="received",
    )
    replies_waiting_mark(text)
    later = enroll(campaign, coordinator, "Nora", "Later", state=State.REQUALIFYING)
    call = enroll(campaign, coordinator, "Carl", "Calls")
    Touch.objects.create(
        practice=practice,
        enrollment=call,
        step=campaign.sequence.steps.filter(channel=Channel.CALL).first(),
        channel=Channel.CALL,
        due_at=now - dt.timedelta(minutes=5),
    )
    return WorkDay(reply=reply, call=call, later=later)
