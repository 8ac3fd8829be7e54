"""What the practice's schedule does to enrollments (DESIGN §3: schedule sync's effects
go through campaigns' services), and the showed / no-show marks a coordinator records
where no schedule is connected.

Every entry written here from the schedule has ``source`` "practice system", so the
scoreboard can say which figures came from the practice's system. An entry is never
changed: an entered-in-error booking is undone by "undone" entries pointing at the ones
it wrote, and the enrollment goes back to where the booking found it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from campaigns.models import (
    OPEN_STATES,
    Enrollment,
    Outcome,
    OutcomeKind,
    OutcomeSource,
    State,
    Step,
    Touch,
    TouchStatus,
)
from campaigns.services import enrollment_move, outcome_record
from campaigns.states import IllegalTransition
from reactivate.models import Practice

FROM_SCHEDULE = {"source": OutcomeSource.PRACTICE_SYSTEM}
APPOINTMENT_RESULT_KINDS = (OutcomeKind.SHOWED, OutcomeKind.NO_SHOW)


def booking_reason(appointment_at: dt.datetime, zone, source_name: str) -> str:
    """The words a coordinator reads on each skipped touch:
    "skipped: booked for Tue 9 Dec 10:00 in Open Dental export"."""
    local = timezone.localtime(appointment_at, zone)
    when = f"{local:%a} {local.day} {local:%b %H:%M}"
    return f"skipped: booked for {when} in {source_name}"[:200]


def booking_enrollment(contact_id: int, booked_on: dt.date, window_days: int) -> Enrollment | None:
    """The enrollment a booking made on ``booked_on`` is attributed to: the patient's open
    enrollment (held-out ones included: they are open, never touched); else the latest one
    whose attribution window — ``window_days`` after its sequence's last day, counted from
    its start day (the same date for a held-out patient) — holds the booking day."""
    enrollments = list(
        Enrollment.objects.filter(contact_id=contact_id, start_day__lte=booked_on)
        .select_related("campaign")
        .order_by("-start_day", "-pk")
    )
    for enrollment in enrollments:
        if enrollment.state in OPEN_STATES:
            return enrollment
    if not enrollments:
        return None
    last_days = dict(
        Step.objects.filter(sequence_id__in={e.campaign.sequence_id for e in enrollments})
        .values("sequence_id")
        .annotate(last=Max("day"))
        .values_list("sequence_id", "last")
    )
    for enrollment in enrollments:
        last_day = last_days.get(enrollment.campaign.sequence_id) or 1
        if booked_on < enrollment.start_day + dt.timedelta(days=last_day + window_days):
            return enrollment
    return None


def _touches_stop(enrollment: Enrollment, reason: str) -> int:
    """Skip the enrollment's remaining touches, the claimed ones too: a touch claimed a
    second before the booking arrived is then not sent (the dispatcher moves only touches
    still claimed to sending, under a row lock)."""
    return Touch.objects.filter(
        enrollment=enrollment, status__in=(TouchStatus.PLANNED, TouchStatus.CLAIMED)
    ).update(status=TouchStatus.SKIPPED, reason=reason)


@transaction.atomic
def enrollment_book(
    enrollment: Enrollment, *, at: dt.datetime, appointment_at: dt.datetime | None, reason: str
) -> tuple[Outcome, int]:
    """A booking the practice system reports: an open enrollment moves to scheduled and
    its remaining touches are skipped with ``reason``; a closed one keeps its state and
    gains the scheduled entry (the booking counts for its campaign). Returns the entry and
    how many touches were skipped."""
    enrollment = Enrollment.objects.select_for_update(of=("self",)).get(pk=enrollment.pk)
    skipped = 0
    if enrollment.state in OPEN_STATES:
        skipped = _touches_stop(enrollment, reason)
        try:
            enrollment_move(
                enrollment,
                State.SCHEDULED,
                at=at,
                note=reason.removeprefix("skipped: "),
                appointment_at=appointment_at,
                **FROM_SCHEDULE,
            )
        except IllegalTransition:  # pragma: no cover - the row is locked above
            raise
        outcome = enrollment.outcomes.filter(kind=OutcomeKind.SCHEDULED).latest("at", "id")
        return outcome, skipped
    if appointment_at and enrollment.appointment_at is None:
        Enrollment.objects.filter(pk=enrollment.pk).update(appointment_at=appointment_at)
    outcome = outcome_record(
        contact=enrollment.contact,
        enrollment=enrollment,
        kind=OutcomeKind.SCHEDULED,
        at=at,
        note=reason.removeprefix("skipped: "),
        appointment_at=appointment_at,
        **FROM_SCHEDULE,
    )
    return outcome, skipped


def enrollment_attend(
    enrollment: Enrollment, *, showed: bool, at: dt.datetime, replaces: Outcome | None = None
) -> Outcome:
    """The practice system says the patient came (arrived, fulfilled) or did not: a
    showed or no-show entry, correcting the enrollment's effective result — the
    schedule's earlier one if it changed, or a coordinator's mark: where the schedule
    knows the appointment, its result is the one that counts (the scoreboard's rule)."""
    return outcome_record(
        contact=enrollment.contact,
        enrollment=enrollment,
        kind=OutcomeKind.SHOWED if showed else OutcomeKind.NO_SHOW,
        at=at,
        corrects=_appointment_result(enrollment) or replaces,
        **FROM_SCHEDULE,
    )


@transaction.atomic
def booking_undo(outcomes: Iterable[Outcome], *, at: dt.datetime, reason: str) -> int:
    """Undo what a booking entered in error (or deleted at the source) wrote: an "undone"
    entry for each of ``outcomes`` not already corrected, and an enrollment the booking
    moved to scheduled goes back to where it was, its touches skipped with ``reason``
    (still to come) planned again. Returns how many entries were undone."""
    undone = 0
    for outcome in outcomes:
        if outcome.corrections.exists():
            continue
        outcome_record(
            contact=outcome.contact,
            enrollment=outcome.enrollment,
            kind=OutcomeKind.UNDONE,
            at=at,
            note="entered in error in the practice system",
            corrects=outcome,
            **FROM_SCHEDULE,
        )
        undone += 1
        enrollment = outcome.enrollment
        if enrollment is None or outcome.kind != OutcomeKind.SCHEDULED or not outcome.state_before:
            continue
        if Enrollment.objects.filter(pk=enrollment.pk, state=State.SCHEDULED).update(
            state=outcome.state_before, state_changed_at=at, appointment_at=None
        ):
            Touch.objects.filter(
                enrollment=enrollment, status=TouchStatus.SKIPPED, reason=reason, due_at__gt=at
            ).update(status=TouchStatus.PLANNED, reason="")
    return undone


# --- Marked by a coordinator (where no schedule is connected) ----------------------------


def _appointment_result(enrollment: Enrollment) -> Outcome | None:
    """The enrollment's effective showed / no-show entry (one that no correction replaced)."""
    return (
        Outcome.objects.filter(enrollment=enrollment, kind__in=APPOINTMENT_RESULT_KINDS)
        .exclude(corrections__isnull=False)
        .order_by("-at", "-id")
        .first()
    )


@transaction.atomic
def appointment_mark(
    enrollment: Enrollment, *, showed: bool, user, at: dt.datetime | None = None
) -> Outcome:
    """Record whether a scheduled patient came: a ``showed`` or ``no_show`` outcome.

    Only for scheduled enrollments whose appointment is today or past (in the practice's
    time zone). Marking again with the other result records a correction of the first
    entry (the log is append-only); marking again with the same result changes nothing.
    Raises ValidationError in words for the person marking.
    """
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("practice", "contact")
        .get(pk=enrollment.pk)
    )
    if enrollment.state != State.SCHEDULED or enrollment.appointment_at is None:
        raise ValidationError("Only scheduled appointments can be marked showed or no-show.")
    zone = enrollment.practice.time_zone
    today = timezone.localdate(timezone=zone)
    if timezone.localdate(enrollment.appointment_at, timezone=zone) > today:
        raise ValidationError("This appointment is still to come; mark it on the day or after.")
    kind = OutcomeKind.SHOWED if showed else OutcomeKind.NO_SHOW
    current = _appointment_result(enrollment)
    if current is not None and current.kind == kind:
        return current
    if current is not None and current.source == OutcomeSource.PRACTICE_SYSTEM:
        said = "showed" if current.kind == OutcomeKind.SHOWED else "a no-show"
        raise ValidationError(
            f"The practice's schedule recorded this appointment as {said}; "
            "correct it in the practice system."
        )
    return outcome_record(
        contact=enrollment.contact,
        enrollment=enrollment,
        kind=kind,
        user=user,
        at=at,
        corrects=current,
    )


def appointments_mark(
    practice: Practice, enrollment_ids: Iterable[int], *, showed: bool, user
) -> tuple[int, list[tuple[int, str]]]:
    """Mark many appointments at once; returns (marked, [(enrollment id, why refused)]).

    Only the practice's own enrollments are considered; other ids are refused as unknown.
    """
    wanted = {int(pk) for pk in enrollment_ids}
    found = {e.pk: e for e in Enrollment.objects.filter(practice=practice, pk__in=wanted)}
    marked, refused = 0, []
    for pk in sorted(wanted):
        enrollment = found.get(pk)
        if enrollment is None:
            refused.append((pk, "No such appointment."))
            continue
        try:
            appointment_mark(enrollment, showed=showed, user=user)
        except ValidationError as error:
            refused.append((pk, " ".join(error.messages)))
        else:
            marked += 1
    return marked, refused
