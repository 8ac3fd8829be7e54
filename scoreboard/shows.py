"""The shows page's reads: scheduled appointments of today or earlier and their result
(where the practice's schedule is connected it records results itself; a coordinator marks
only the appointments it does not know)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Subquery

from campaigns.models import Enrollment, Outcome, OutcomeKind, State
from reactivate.models import Practice
from scoreboard.models import EnrollmentFact


def appointments_to_mark(
    practice: Practice,
    *,
    coordinator_id: int | None = None,
    unmarked_only: bool = True,
    limit: int = 200,
):
    """Scheduled appointments of today or earlier (practice time), newest first, each with
    ``result``: its effective showed / no-show entry's kind, or None; and
    ``result_source``: who recorded it ("practice_system" for the synced schedule)."""
    today = practice.today()
    until = dt.datetime.combine(
        today + dt.timedelta(days=1), dt.time.min, tzinfo=practice.time_zone
    )
    result = (
        Outcome.objects.filter(
            enrollment=OuterRef("pk"), kind__in=[OutcomeKind.SHOWED, OutcomeKind.NO_SHOW]
        )
        .exclude(Exists(Outcome.objects.filter(corrects=OuterRef("pk"))))
        .order_by("-at", "-id")
    )
    appointments = (
        Enrollment.objects.filter(
            practice=practice, state=State.SCHEDULED, appointment_at__lt=until, held_out=False
        )
        .annotate(
            result=Subquery(result.values("kind")[:1]),
            result_source=Subquery(result.values("source")[:1]),
        )
        .select_related("contact", "campaign")
        .order_by("-appointment_at", "-pk")
    )
    if coordinator_id is not None:
        appointments = appointments.filter(coordinator_id=coordinator_id)
    if unmarked_only:
        appointments = appointments.filter(result__isnull=True)
    return appointments[:limit]


def appointments_waiting(practice: Practice, *, coordinator_id: int | None = None) -> int:
    """How many past or today's appointments have no result yet (the enrollment facts;
    equal to counting :func:`appointments_to_mark` without a limit)."""
    today = practice.today()
    until = dt.datetime.combine(
        today + dt.timedelta(days=1), dt.time.min, tzinfo=practice.time_zone
    )
    facts = EnrollmentFact.objects.filter(
        practice_id=practice.pk,
        state=State.SCHEDULED,
        appointment_at__lt=until,
        held_out=False,
        result__isnull=True,
    )
    if coordinator_id is not None:
        facts = facts.filter(coordinator_id=coordinator_id)
    return facts.count()
