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


# --- Every page ------------------------------------------------------------------------

SITE_ROWS = [
    ["A-1", "JANE", "DOE", "(212) 555-0101", "jane@example.com", "03/05/1980", "NS", ""],
    ["A-2", "Mary", "Major", "12345", "", "", "consult - no book", ""],
]


# The URL keywords site() gives values for (with the practice's slug).
SITE_KEYWORDS = frozenset(
    {"practice_slug", "contact_id", "batch_id", "candidate_id", "campaign_id"}
    | {"template_id", "enrollment_id"}
    | {"source_id", "run_id", "appointment_id"}
)


@dataclass
class Site:
    """A practice with something on every page, and the ids its URLs take."""

    ids: dict[str, list]  # URL keyword -> the values to visit it with
    unsubscribe_token: str


def site(practice, coordinator) -> Site:
    """The coordinator's work day, and the rest: a contact with a history, an import that
    ran and one waiting for its mapping, a duplicate pair, a text and an email template,
    and a text sent through the sandbox."""
    from outreach.links import unsubscribe_token
    from tests.contacts.helpers import csv_bytes, run_import, upload
    from tests.factories import DuplicateCandidateFactory, duplicate_pair

    day = work_day(practice, coordinator)
    finished = run_import(practice, csv_bytes(SITE_ROWS), name="finished.csv")
    waiting = upload(practice, csv_bytes(SITE_ROWS), name="waiting.csv")
    first, second = duplicate_pair(practice)
    candidate = DuplicateCandidateFactory(practice=practice, contact_a=first, contact_b=second)
    Message.objects.create(
        practice=practice,
        contact=day.call.contact,
        direction="out",
        channel="sms",
        body="Hi Carl, this is Harbor Dental. Still thinking about Invisalign?",
        status="delivered",
    )
    schedule = schedule_site(practice)
    campaign = day.call.campaign
    templates = {}
    for step in campaign.sequence.steps.all():
        template = step.templates.first()
        if template is not None:
            templates.setdefault(step.channel, template.pk)
    return Site(
        ids={
            "practice_slug": [practice.slug],
            "contact_id": [day.reply.contact.pk, day.call.contact.pk],
            "batch_id": [finished.pk, waiting.pk],
            "candidate_id": [candidate.pk],
            "campaign_id": [campaign.pk],
            "template_id": list(templates.values()),
            "enrollment_id": [day.reply.pk, day.call.pk, day.later.pk],
            **schedule,
        },
        unsubscribe_token=unsubscribe_token(day.reply.contact),
    )


def schedule_site(practice) -> dict[str, list]:
    """The schedule's pages: a FHIR server connected, a sync of it with a problem, and an
    appointment whose patient was not found (for the review list and matching by hand)."""
    from schedule.models import Appointment, Source, SyncRun

    now = timezone.now()
    source = Source.objects.create(
        practice=practice,
        kind="fhir",
        name="Practice FHIR",
        base_url="https://fhir.example.com/r4",
        last_success_at=now - dt.timedelta(hours=3),
        last_attempt_at=now - dt.timedelta(minutes=5),
        last_error="The server did not answer within 30 seconds.",
        last_error_at=now - dt.timedelta(minutes=5),
    )
    run = SyncRun.objects.create(
        practice=practice,
        source=source,
        trigger="beat",
        status="succeeded",
        started_at=now - dt.timedelta(hours=3),
        finished_at=now - dt.timedelta(hours=3),
        counts={"read": 3, "created": 2, "updated": 1, "matched": 2, "unmatched": 1, "errors": 1},
        errors=[{"where": "Appointment/7", "message": "The status 'waitlist' is not one we know."}],
    )
    appointment = Appointment.objects.create(
        practice=practice,
        source=source,
        key="7",
        first_name="Pat",
        last_name="Unfound",
        start=now + dt.timedelta(days=2),
        status="booked",
        status_word="booked",
        match_note="no patient with this EMR id or name and date of birth",
    )
    return {"source_id": [source.pk], "run_id": [run.pk], "appointment_id": [appointment.pk]}
