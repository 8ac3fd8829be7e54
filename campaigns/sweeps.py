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


def enrollments_complete_due(today: dt.date | None = None) -> int:
    """Active enrollments with nothing left to send, past their last day, are completed."""
    today = today or timezone.localdate()
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
        Enrollment.objects.filter(state=State.ACTIVE, start_day__lt=today)
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
    """Patients whose nurture or "not now" date has come are enrolled again (not-now story)."""
    today = today or timezone.localdate()
    due = Enrollment.objects.filter(
        state__in=[State.NURTURE, State.CLOSED_NOT_NOW],
        nurture_until__lte=today,
        renewed_at__isnull=True,
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
