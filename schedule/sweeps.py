"""The beat's periodic work on the schedule besides reading sources: appointments waiting
for a patient that a contacts import has since brought, and patients who missed or
cancelled an appointment, enrolled again where the practice asks for it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Exists, Min, OuterRef
from django.utils import timezone

from campaigns.contact_enroll import contact_enroll
from campaigns.models import OPEN_STATES, Campaign, CampaignStatus, Enrollment
from contacts.models import Bucket, ImportBatch, ImportStatus
from reactivate.models import Practice
from schedule.models import Appointment, AppointmentStatus
from schedule.services import appointments_rematch

MISSED = (AppointmentStatus.NOSHOW, AppointmentStatus.CANCELLED)


def unmatched_rematch_due(now: dt.datetime | None = None) -> int:
    """Look again for the patients of unmatched appointments in practices where a
    contacts import finished since they were last looked for; returns how many were
    found. The appointments looked at are stamped, so each import is looked at once."""
    now = now or timezone.now()
    oldest = (
        Appointment.objects.filter(contact__isnull=True)
        .values("practice_id")
        .annotate(since=Min("updated_at"))
    )
    found = 0
    for row in oldest:
        imported = ImportBatch.objects.filter(
            practice_id=row["practice_id"], status=ImportStatus.DONE, finished_at__gt=row["since"]
        ).exists()
        if not imported:
            continue
        found += appointments_rematch(row["practice_id"])
        Appointment.objects.filter(practice_id=row["practice_id"], contact__isnull=True).update(
            updated_at=now
        )
    return found


def missed_reenroll_due(today: dt.date | None = None) -> int:
    """Practices with ``reenroll_missed_after_days`` set: a patient whose appointment was a
    no-show or cancelled that many days ago, and who has no open enrollment, is enrolled
    in the practice's running campaign for patients stalled after scheduling (the newest),
    through the contact page's enrollment (the same exclusions: a new booking, do not
    contact, an opt-out…). Each appointment is considered once; returns how many were
    enrolled."""
    enrolled = 0
    for practice in Practice.objects.filter(reenroll_missed_after_days__isnull=False):
        day = today or practice.today()
        campaign = (
            Campaign.objects.filter(
                practice=practice,
                status=CampaignStatus.RUNNING,
                buckets__contains=[Bucket.SCHEDULING],
            )
            .order_by("-start_date", "-pk")
            .first()
        )
        if campaign is None:
            continue
        open_enrollment = Enrollment.objects.filter(
            contact_id=OuterRef("contact_id"), state__in=[s.value for s in OPEN_STATES]
        )
        until = dt.datetime.combine(
            day - dt.timedelta(days=practice.reenroll_missed_after_days),
            dt.time.max,
            tzinfo=practice.time_zone,
        )
        due = (
            Appointment.objects.filter(
                practice=practice,
                applied_status__in=MISSED,
                contact__isnull=False,
                start__lte=until,
            )
            .exclude(effects__has_key="reenrolled")
            .exclude(Exists(open_enrollment))
            .select_related("contact")
            .order_by("start")[:500]
        )
        for appointment in due:
            try:
                contact_enroll(appointment.contact, practice, campaign.pk, day)
                outcome = "enrolled"
                enrolled += 1
            except ValidationError as refused:
                outcome = " ".join(refused.messages)[:200]
            Appointment.objects.filter(pk=appointment.pk).update(
                effects={**appointment.effects, "reenrolled": outcome}
            )
    return enrolled
