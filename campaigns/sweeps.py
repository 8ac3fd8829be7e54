"""The periodic sweeps (``campaigns.tasks``): enrollments with nothing left to send are
completed, and patients whose nurture or "not now" date has come are enrolled again."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from campaigns import selectors
from campaigns.enrollments import enrollment_move
from campaigns.models import CampaignStatus, Enrollment, State, Step, Touch, TouchStatus
from campaigns.planning import CHUNK, enrollments_create
from campaigns.states import IllegalTransition
from contacts.models import Bucket
from reactivate.models import Practice


def _practice_days(today: dt.date | None) -> list[tuple[dict, dt.date]]:
    """(filter on enrollments, today) pairs: ``today`` for every practice when given, else
    each practice's own today. A sweep at 20:00 in New York is already tomorrow in UTC:
    by the server's date it completed and re-enrolled patients a day early."""
    if today is not None:
        return [({}, today)]
    now = timezone.now()
    zones = Practice.objects.order_by().values_list("time_zone", flat=True).distinct()
    return [({"practice__time_zone": zone}, timezone.localdate(now, zone)) for zone in zones]


def enrollments_complete_due(today: dt.date | None = None) -> int:
    """Active enrollments with nothing left to send, past their last day (the practice's
    today), are completed."""
    return sum(_complete_due(where, day) for where, day in _practice_days(today))


def _complete_due(where: dict, today: dt.date) -> int:
    done = 0
    last_day = (
        Step.objects.filter(sequence=OuterRef("campaign__sequence"))
        .order_by("-day")
        .values("day")[:1]
    )
    pending = Touch.objects.filter(
        enrollment=OuterRef("pk"),
        status__in=[TouchStatus.PLANNED, TouchStatus.CLAIMED, TouchStatus.SENDING],
    )
    # One query: each enrollment's last step day, and no per-row check for pending touches.
    candidates = (
        Enrollment.objects.filter(state=State.ACTIVE, start_day__lt=today, **where)
        .annotate(last_day=Subquery(last_day))
        .exclude(Exists(pending))
        .select_related("contact")
    )
    for enrollment in candidates.iterator(chunk_size=CHUNK):
        if enrollment.start_day + dt.timedelta(days=enrollment.last_day or 1) > today:
            continue
        try:
            enrollment_move(enrollment, State.COMPLETED)
            done += 1
        except IllegalTransition:
            continue  # moved by someone else meanwhile
    return done


def nurture_reenroll_due(today: dt.date | None = None) -> int:
    """Patients whose nurture or "not now" date has come (the practice's today) are
    enrolled again (not-now story)."""
    return sum(_reenroll_due(where, day) for where, day in _practice_days(today))


def _reenroll_due(where: dict, today: dt.date) -> int:
    due = Enrollment.objects.filter(
        state__in=[State.NURTURE, State.CLOSED_NOT_NOW],
        nurture_until__lte=today,
        renewed_at__isnull=True,
        **where,
    ).select_related("campaign", "contact", "practice")
    renewed = 0
    for old in due.iterator(chunk_size=CHUNK):
        with transaction.atomic():
            # Claim it: two sweeps never enroll the same patient twice.
            if not Enrollment.objects.filter(pk=old.pk, renewed_at__isnull=True).update(
                renewed_at=timezone.now()
            ):
                continue
            campaign = old.campaign
            eligible = selectors.eligible_contacts(old.practice, None, {}, today).filter(
                pk=old.contact_id
            )
            if campaign.status == CampaignStatus.STOPPED or not eligible.exists():
                continue
            enrollments_create(
                campaign,
                [old.contact],
                {old.contact_id: (False, None, old.coordinator_id)},
                today,
                {old.contact_id: Bucket.NOT_NOW},
            )
            renewed += 1
    return renewed
