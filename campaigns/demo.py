"""The campaigns part of ``seed_demo``: a running campaign over every bucket, with a
10% holdout, and a few patients who replied, so the queue and the scoreboard have data."""

from __future__ import annotations

from django.utils import timezone

from campaigns.enrollments import enrollment_reply
from campaigns.lifecycle import campaign_create, campaign_start
from campaigns.models import Campaign, Enrollment
from contacts.models import Bucket
from reactivate.models import Practice, Role

DEMO_NAME = "Winter reactivation"
DEMO_REPLIES = 5


def demo_extend(practice: Practice) -> list[str]:
    if Campaign.objects.filter(practice=practice, name=DEMO_NAME).exists():
        return [f"Campaign '{DEMO_NAME}' already running."]
    today = practice.today()
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
    scoreboard_note = _demo_scoreboard(list(treated[: DEMO_REPLIES + DEMO_WORKED]))
    return [
        scoreboard_note,
        f"Campaign '{DEMO_NAME}': {result['enrolled']} enrolled, {result['held_out']} held "
        f"out, {DEMO_REPLIES} replies waiting.",
    ]


# --- The scoreboard's part: outcomes over the last weeks, so every tile has data -------

DEMO_WORKED = 120
DEMO_ELSEWHERE = (
    ("price", "The other office quoted less for the same work."),
    ("timing", "They could see me the same week."),
    ("location", "Closer to my new job."),
    ("referral", "My sister goes there and loves them."),
)


def _demo_scoreboard(treated: list[Enrollment]) -> str:
    """Contact the first patients of the demo campaign over the last six weeks and record
    what a coordinator would: calls, replies, re-qualification, appointments (some past,
    marked showed or no-show), not a fit, went elsewhere with reasons, not now, later."""
    import datetime as dt

    from campaigns.bookings import appointment_mark
    from campaigns.enrollments import enrollment_elsewhere, enrollment_not_now, enrollment_requalify
    from campaigns.models import OutcomeKind, State
    from campaigns.outcomes import outcome_record

    now = timezone.now()
    already_replied, worked = treated[:DEMO_REPLIES], treated[DEMO_REPLIES:]
    for i, enrollment in enumerate(treated):
        at = now - dt.timedelta(days=42 - (i * 41) // len(treated), hours=3)
        outcome_record(
            contact=enrollment.contact, enrollment=enrollment, kind=OutcomeKind.CONTACTED, at=at
        )
    for enrollment in worked[:10]:
        outcome_record(contact=enrollment.contact, enrollment=enrollment, kind=OutcomeKind.REACHED)
    repliers = worked[10:36]
    for i, enrollment in enumerate(repliers):
        enrollment_reply(enrollment, at=now - dt.timedelta(days=35 - i, hours=1))
    coordinator = next((e.coordinator for e in treated if e.coordinator_id), None)
    scheduled, fit_not, elsewhere, not_now, later = (
        repliers[0:12],
        repliers[12:16],
        repliers[16:20],
        repliers[20:24],
        repliers[24:26],
    )
    for i, enrollment in enumerate(scheduled):
        days = -(i + 1) * 2 if i < 8 else i  # eight appointments past, four to come
        enrollment_requalify(
            enrollment,
            user=coordinator,
            soon=True,
            fit=True,
            appointment_at=now + dt.timedelta(days=days),
        )
    for i, enrollment in enumerate(scheduled[:8]):
        appointment_mark(enrollment, showed=i not in (2, 5), user=coordinator)
    for enrollment in fit_not:
        enrollment_requalify(enrollment, user=coordinator, soon=True, fit=False)
    for enrollment, (category, words) in zip(elsewhere, DEMO_ELSEWHERE, strict=True):
        enrollment_elsewhere(enrollment, user=coordinator, category=category, what_mattered=words)
    for enrollment in not_now:
        enrollment_not_now(
            enrollment,
            user=coordinator,
            return_date=enrollment.practice.today() + dt.timedelta(days=60),
        )
    for enrollment in later:
        enrollment_requalify(enrollment, user=coordinator, soon=False, fit=True)
    waiting = sum(1 for e in already_replied if e.state == State.PAUSED)
    return (
        f"Scoreboard: {len(treated)} contacted, {len(repliers) + len(already_replied)} "
        f"replied, {len(scheduled)} scheduled (6 showed, 2 no-shows), {waiting} replies "
        "waiting."
    )
