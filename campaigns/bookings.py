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
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from campaigns.enrollments import enrollment_move
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
from campaigns.outcomes import outcome_record
from campaigns.states import IllegalTransition, transition_check
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
    return _attributed(enrollments, booked_on, window_days, _last_days(enrollments))


def _last_days(enrollments: Iterable[Enrollment]) -> dict[int, int]:
    """Each of the enrollments' sequences' last step day."""
    return dict(
        Step.objects.filter(sequence_id__in={e.campaign.sequence_id for e in enrollments})
        .values("sequence_id")
        .annotate(last=Max("day"))
        .values_list("sequence_id", "last")
    )


def _attributed(
    enrollments: list[Enrollment], booked_on: dt.date, window_days: int, last_days: dict
) -> Enrollment | None:
    """The latest of ``enrollments`` (newest first) whose attribution window holds
    ``booked_on``."""
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


# --- Many bookings at once (a sync's page) -----------------------------------------------
#
# A page of the practice's schedule books, shows and no-shows thousands of patients. One
# by one, each booking is a dozen statements, and each entry written runs the scoreboard's
# statement triggers again; here a page's bookings take a few statements whatever their
# number, with the same choices, states and entries as the functions above called in
# turn.

# Rows per statement that writes entries or enrollments. The scoreboard's statement
# triggers refresh the facts of every enrollment a statement wrote; beyond a few hundred
# enrollments at once their plans go quadratic (2,000 take 1.8 s, 250 take 40 ms).
STATEMENT_ROWS = 250


@dataclass(frozen=True, slots=True)
class Booking:
    """A booking the practice system reports for a patient (``enrollment_book``'s
    arguments, the enrollment still to choose as ``booking_enrollment`` does)."""

    contact_id: int
    booked_on: dt.date
    at: dt.datetime
    appointment_at: dt.datetime | None
    reason: str


@dataclass(frozen=True, slots=True)
class Booked:
    enrollment: Enrollment
    outcome: Outcome
    skipped: int
    was_open: bool  # the enrollment was open: the booking moved it to scheduled


def _choose(enrollments: list[Enrollment], booking: Booking, window_days: int, last_days):
    """``booking_enrollment`` over enrollments already read (newest first)."""
    started = [e for e in enrollments if e.start_day <= booking.booked_on]
    for enrollment in started:
        if enrollment.state in OPEN_STATES:
            return enrollment
    return _attributed(started, booking.booked_on, window_days, last_days) if started else None


@transaction.atomic
def enrollments_book(bookings: Sequence[Booking], window_days: int) -> list[Booked | None]:
    """``booking_enrollment`` then ``enrollment_book`` for each of ``bookings``, in
    order, as if called one by one (a patient's second booking finds the enrollment
    the first one moved): for each, what it wrote, or None when no enrollment takes it.
    The patients' enrollments are locked, read once, and written with one statement per
    kind of change."""
    contact_ids = {booking.contact_id for booking in bookings}
    mine: dict[int, list[Enrollment]] = defaultdict(list)
    enrollments = list(
        Enrollment.objects.filter(contact_id__in=contact_ids)
        .select_related("campaign", "contact")
        .select_for_update(of=("self",))
        .order_by("-start_day", "-pk")
    )
    for enrollment in enrollments:
        mine[enrollment.contact_id].append(enrollment)
    last_days = _last_days(enrollments) if enrollments else {}
    moved: dict[int, str] = {}  # enrollment id -> the state the booking found it in
    dated: set[int] = set()  # closed enrollments given their appointment's time
    stops: dict[int, str] = {}  # enrollment id -> its touches' reason
    done: list[tuple[Enrollment, Outcome, bool] | None] = []
    for booking in bookings:
        enrollment = _choose(mine.get(booking.contact_id, []), booking, window_days, last_days)
        if enrollment is None:
            done.append(None)
            continue
        note = booking.reason.removeprefix("skipped: ")
        was_open = enrollment.state in OPEN_STATES
        fields = {"state_before": ""}
        if was_open:  # enrollment_book's open path: enrollment_move to scheduled
            transition_check(enrollment.state, State.SCHEDULED)
            moved[enrollment.pk] = fields["state_before"] = enrollment.state
            stops[enrollment.pk] = booking.reason
            enrollment.state, enrollment.state_changed_at = State.SCHEDULED, booking.at
            if booking.appointment_at:
                enrollment.appointment_at = booking.appointment_at
        elif booking.appointment_at and enrollment.appointment_at is None:
            enrollment.appointment_at = booking.appointment_at
            dated.add(enrollment.pk)
        outcome = Outcome(
            practice_id=enrollment.contact.practice_id,
            contact=enrollment.contact,
            enrollment=enrollment,
            kind=OutcomeKind.SCHEDULED,
            at=booking.at,
            note=note,
            appointment_at=booking.appointment_at,
            **fields,
            **FROM_SCHEDULE,
        )
        done.append((enrollment, outcome, was_open))
    skipped = _touches_stop_many(stops)
    by_id = {enrollment.pk: enrollment for enrollment in enrollments}
    _enrollments_schedule(
        [(by_id[pk], before) for pk, before in moved.items()],
        [by_id[pk] for pk in dated - moved.keys()],
    )
    Outcome.objects.bulk_create([entry[1] for entry in done if entry], batch_size=STATEMENT_ROWS)
    booked: list[Booked | None] = []
    for entry in done:
        if entry is None:
            booked.append(None)
            continue
        enrollment, outcome, was_open = entry
        stopped = skipped.get(enrollment.pk, 0) if was_open else 0
        booked.append(Booked(enrollment, outcome, stopped, was_open))
    return booked


def _touches_stop_many(reasons: dict[int, str]) -> dict[int, int]:
    """``_touches_stop`` for many enrollments, each with its reason; returns how many
    touches each had skipped."""
    if not reasons:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Touch._meta.db_table} t SET status = %s, reason = s.reason
            FROM unnest(%s::bigint[], %s::text[]) AS s(id, reason)
            WHERE t.enrollment_id = s.id AND t.status IN (%s, %s)
            RETURNING t.enrollment_id
            """,  # noqa: S608 - the table's name is ours
            [
                TouchStatus.SKIPPED,
                list(reasons),
                list(reasons.values()),
                TouchStatus.PLANNED,
                TouchStatus.CLAIMED,
            ],
        )
        return Counter(row[0] for row in cursor.fetchall())


def _enrollments_schedule(moved: list[tuple[Enrollment, str]], dated: list[Enrollment]) -> None:
    """The enrollments' rows as the bookings left them: ``moved`` (with the state each
    was found in, the condition ``enrollment_move`` writes under) to scheduled, ``dated``
    given their appointment's time."""
    table = Enrollment._meta.db_table
    if len(moved) > STATEMENT_ROWS or len(dated) > STATEMENT_ROWS:
        for at in range(0, max(len(moved), len(dated)), STATEMENT_ROWS):
            _enrollments_schedule(moved[at : at + STATEMENT_ROWS], dated[at : at + STATEMENT_ROWS])
        return
    with connection.cursor() as cursor:
        if moved:
            cursor.execute(
                f"""
                UPDATE {table} e SET state = %s, state_changed_at = s.at,
                    appointment_at = s.appointment_at
                FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::timestamptz[])
                    AS s(id, before, at, appointment_at)
                WHERE e.id = s.id AND e.state = s.before
                """,  # noqa: S608 - the table's name is ours
                [
                    State.SCHEDULED,
                    [e.pk for e, _ in moved],
                    [before for _, before in moved],
                    [e.state_changed_at for e, _ in moved],
                    [e.appointment_at for e, _ in moved],
                ],
            )
            if cursor.rowcount != len(moved):  # pragma: no cover - the rows are locked
                raise IllegalTransition("Someone else just updated this enrollment.")
        if dated:
            cursor.execute(
                f"""
                UPDATE {table} e SET appointment_at = s.appointment_at
                FROM unnest(%s::bigint[], %s::timestamptz[]) AS s(id, appointment_at)
                WHERE e.id = s.id AND e.appointment_at IS NULL
                """,  # noqa: S608 - the table's name is ours
                [[e.pk for e in dated], [e.appointment_at for e in dated]],
            )


@dataclass(frozen=True, slots=True)
class Attendance:
    """``enrollment_attend``'s arguments (``enrollment`` with its contact read)."""

    enrollment: Enrollment
    showed: bool
    at: dt.datetime
    replaces: Outcome | None = None


@transaction.atomic
def enrollments_attend(attendances: Sequence[Attendance]) -> list[Outcome]:
    """``enrollment_attend`` for each of ``attendances``, in order, as if called one by
    one (a second result for an enrollment corrects the first); returns the entries.
    The enrollments' standing results are read once; the entries are written with one
    statement (one more for each further result of the same enrollment)."""
    standing: dict[int, list[Outcome]] = defaultdict(list)
    for outcome in Outcome.objects.filter(
        enrollment_id__in={a.enrollment.pk for a in attendances},
        kind__in=APPOINTMENT_RESULT_KINDS,
    ).exclude(corrections__isnull=False):
        standing[outcome.enrollment_id].append(outcome)
    written: list[Outcome | None] = [None] * len(attendances)
    waiting = list(range(len(attendances)))
    while waiting:
        # Each wave holds one result per enrollment: the next one corrects it.
        wave, later, seen = [], [], set()
        for index in waiting:
            pk = attendances[index].enrollment.pk
            (later if pk in seen else wave).append(index)
            seen.add(pk)
        entries = []
        for index in wave:
            attendance = attendances[index]
            enrollment = attendance.enrollment
            current = max(standing[enrollment.pk], key=lambda o: (o.at, o.pk), default=None)
            entries.append(
                Outcome(
                    practice_id=enrollment.contact.practice_id,
                    contact=enrollment.contact,
                    enrollment=enrollment,
                    kind=OutcomeKind.SHOWED if attendance.showed else OutcomeKind.NO_SHOW,
                    at=attendance.at,
                    corrects=current or attendance.replaces,
                    **FROM_SCHEDULE,
                )
            )
        Outcome.objects.bulk_create(entries, batch_size=STATEMENT_ROWS)
        for index, entry in zip(wave, entries, strict=True):
            results = standing[entry.enrollment_id]
            if entry.corrects in results:
                results.remove(entry.corrects)
            results.append(entry)
            written[index] = entry
        waiting = later
    return written


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
