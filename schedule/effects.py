"""What the practice's schedule does (DESIGN §3: through campaigns' services).

For each appointment whose effects are due, the difference between the status its effects
stand for (``applied_status``) and what the source says now is applied, once:

* a booking (booked, or any later status of a booking): the patient's open enrollment
  moves to scheduled and its remaining touches are skipped with the words a coordinator
  reads; a closed enrollment whose attribution window holds the booking day gains the
  scheduled entry. Held-out patients' enrollments too: the lift compares like with like.
* arrived / fulfilled → showed; noshow → no-show (a changed result corrects the first);
* cancelled → the patient is stalled again (last outcome "canceled");
* entered in error, or deleted at the source → every entry the appointment wrote is
  undone by a new entry, and the enrollment goes back to where the booking found it.

The patient's record follows: last outcome, last activity and next appointment (what
segmentation and the send guard read).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from campaigns.bookings import (
    STATEMENT_ROWS,
    Attendance,
    Booking,
    booking_enrollment,
    booking_reason,
    booking_undo,
    enrollment_attend,
    enrollment_book,
    enrollments_attend,
    enrollments_book,
)
from campaigns.models import Enrollment, Outcome, OutcomeKind
from contacts.models import LastOutcome
from contacts.services import contacts_schedule_apply
from reactivate.models import Practice
from schedule.models import Appointment
from schedule.models import AppointmentStatus as S

BOOKINGS = (S.BOOKED, S.ARRIVED, S.FULFILLED, S.NOSHOW)
RESULTS = {
    S.ARRIVED: OutcomeKind.SHOWED,
    S.FULFILLED: OutcomeKind.SHOWED,
    S.NOSHOW: OutcomeKind.NO_SHOW,
}
LAST_OUTCOME = {
    S.BOOKED: LastOutcome.SCHEDULED,
    S.NOSHOW: LastOutcome.NO_SHOW,
    S.CANCELLED: LastOutcome.CANCELED,
}
# A sync's page (5000 rows) is one batch: its effects take a few statements.
SWEEP_BATCH = 5000
GROUP_ROWS = 1000


class _Apply:
    """One sweep's work for one practice: counts, and the patients whose record follows."""

    def __init__(self, practice: Practice, now: dt.datetime) -> None:
        self.practice, self.now, self.zone = practice, now, practice.time_zone
        self.counts: Counter = Counter()
        self.stories: dict[int, tuple[str | None, dt.date | None]] = {}

    def day(self, at: dt.datetime | None) -> dt.date:
        return timezone.localdate(at or self.now, self.zone)

    def batch(self, batch: list[Appointment]) -> None:
        """A batch's appointments, each patient's in the order they happened. Patients
        are independent of each other: those whose appointments only book, show, no-show
        or cancel are applied together (``_many``); a patient with an entry to undo goes
        one appointment at a time."""
        batch = sorted(batch, key=_story_order)
        alone = {a.contact_id for a in batch if _undoes(a)}
        # In groups of patients, the statistics kept up between them: a first sync into
        # a near-empty outcome log would otherwise be planned as if it stayed empty.
        groups: dict[int, list[Appointment]] = {}
        for a in batch:
            if a.contact_id not in alone:
                groups.setdefault((a.contact_id or 0) % -(-len(batch) // GROUP_ROWS), []).append(a)
        for group in groups.values():
            self._many(group)
            _statistics_keep_up(len(group))
        for a in batch:
            if a.contact_id in alone:
                self.appointment(a)

    def appointment(self, a: Appointment) -> None:
        target, effects = a.effective_status, dict(a.effects)
        if not target:
            # A status word nobody mapped: kept, reported, never applied (and no longer
            # due, or the sweep's loop would take it again forever).
            a.effects_due = False
            return
        if target == S.ENTERED_IN_ERROR:
            self._undo(a, effects)
        else:
            if "booked" not in effects and (target in BOOKINGS):
                self._book(a, effects)
            self._result(a, effects, RESULTS.get(target))
            self._cancelled(a, target)
        self._settle(a, target, effects)

    def _cancelled(self, a: Appointment, target: str) -> None:
        if target == S.CANCELLED and a.applied_status != S.CANCELLED:
            self.counts["cancelled"] += 1

    def _settle(self, a: Appointment, target: str, effects: dict) -> None:
        """The patient's record follows the appointment (at the end of the batch), and
        the appointment keeps what its effects stand for."""
        outcome = LAST_OUTCOME.get(target)
        if target == S.ENTERED_IN_ERROR:
            outcome = a.effects.get("last_outcome_before")  # as the booking found them
        elif "last_outcome_before" not in effects and a.contact is not None:
            effects["last_outcome_before"] = a.contact.last_outcome
        # The patient's own activity: booking, and coming. A missed or cancelled
        # appointment is not, or the patient would not count as stalled again.
        day = None
        if target in (S.ARRIVED, S.FULFILLED):
            day = self.day(a.start)
        elif target == S.BOOKED:
            day = self.day(a.booked_at or a.source_updated_at)
        self.stories[a.contact_id] = (outcome, day)
        a.applied_status, a.effects, a.effects_due = target, effects, False

    def _many(self, appointments: list[Appointment]) -> None:
        """``appointment`` for many at once (none of them undoes an entry), through
        campaigns' set-based bookings: the same entries, states and counts, in a few
        statements whatever their number."""
        todo = []
        for a in appointments:
            target = a.effective_status
            if not target:
                a.effects_due = False
            else:
                todo.append((a, target, dict(a.effects)))
        booking, bookings = [], []
        for a, target, effects in todo:
            if "booked" in effects or target not in BOOKINGS:
                continue
            booked_at = a.booked_at or a.source_updated_at or self.now
            booking.append(effects)
            bookings.append(
                Booking(
                    contact_id=a.contact_id,
                    booked_on=self.day(booked_at),
                    at=min(booked_at, self.now),
                    appointment_at=a.start,
                    reason=booking_reason(a.start or booked_at, self.zone, a.source.name),
                )
            )
        window = self.practice.attribution_window_days
        booked = enrollments_book(bookings, window) if bookings else []
        enrollments: dict[int, Enrollment] = {}
        for effects, made, asked in zip(booking, booked, bookings, strict=True):
            effects["booked"] = None
            if made is None:
                continue
            enrollments[made.enrollment.pk] = made.enrollment
            effects.update(booked=made.outcome.pk, enrollment=made.enrollment.pk)
            effects["reason"] = asked.reason
            self.counts["enrollments_scheduled"] += int(made.was_open)
            self.counts["touches_skipped"] += made.skipped
        # Results: each appointment's show or no-show, correcting the standing one.
        results = []
        for _a, target, effects in todo:
            kind = RESULTS.get(target)
            if effects.get("result_kind") == kind:
                continue
            results.append((effects, kind))
        wanted = {effects.get("enrollment") for effects, kind in results if kind} - {None}
        for enrollment in Enrollment.objects.filter(
            pk__in=wanted - enrollments.keys()
        ).select_related("contact"):
            enrollments[enrollment.pk] = enrollment
        earlier_ids = {effects.get("result") for effects, kind in results if kind} - {None}
        earlier = Outcome.objects.in_bulk(earlier_ids) if earlier_ids else {}
        attending, attended = [], []
        for effects, kind in results:
            enrollment = enrollments.get(effects.get("enrollment"))
            if kind is not None and enrollment is not None:
                attending.append(effects)
                attended.append(
                    Attendance(
                        enrollment,
                        showed=kind == OutcomeKind.SHOWED,
                        at=self.now,
                        replaces=earlier.get(effects.get("result")),
                    )
                )
            effects["result_kind"] = kind
            if kind:
                self.counts["showed" if kind == OutcomeKind.SHOWED else "no_show"] += 1
        written = enrollments_attend(attended) if attended else []
        for effects, outcome in zip(attending, written, strict=True):
            effects["result"] = outcome.pk
        for a, target, effects in todo:
            self._cancelled(a, target)
            self._settle(a, target, effects)

    def _book(self, a: Appointment, effects: dict) -> None:
        booked_at = a.booked_at or a.source_updated_at or self.now
        enrollment = booking_enrollment(
            a.contact_id, self.day(booked_at), self.practice.attribution_window_days
        )
        effects["booked"] = None
        if enrollment is None:
            return
        reason = booking_reason(a.start or booked_at, self.zone, a.source.name)
        was_open = enrollment.state in ("active", "paused", "requalifying")
        outcome, skipped = enrollment_book(
            enrollment, at=min(booked_at, self.now), appointment_at=a.start, reason=reason
        )
        effects.update(booked=outcome.pk, enrollment=enrollment.pk, reason=reason)
        self.counts["enrollments_scheduled"] += int(was_open)
        self.counts["touches_skipped"] += skipped

    def _result(self, a: Appointment, effects: dict, kind: str | None) -> None:
        if effects.get("result_kind") == kind:
            return
        earlier = Outcome.objects.filter(pk=effects.get("result")).first()
        enrollment = Enrollment.objects.filter(pk=effects.get("enrollment")).first()
        if kind is None:
            if earlier is not None:
                booking_undo([earlier], at=self.now, reason="")
        elif enrollment is not None:
            outcome = enrollment_attend(
                enrollment, showed=kind == OutcomeKind.SHOWED, at=self.now, replaces=earlier
            )
            effects["result"] = outcome.pk
        effects["result_kind"] = kind
        if kind:
            self.counts["showed" if kind == OutcomeKind.SHOWED else "no_show"] += 1

    def _undo(self, a: Appointment, effects: dict) -> None:
        ids = [effects[name] for name in ("result", "booked") if effects.get(name)]
        outcomes = list(Outcome.objects.filter(pk__in=ids).select_related("contact", "enrollment"))
        outcomes.sort(key=lambda o: ids.index(o.pk))
        booking_undo(outcomes, at=self.now, reason=effects.get("reason", ""))
        effects.clear()

    def patients_follow(self) -> None:
        """Last outcome, last activity and next appointment of every patient touched."""
        if not self.stories:
            return
        upcoming = dict(
            Appointment.objects.filter(
                contact_id__in=self.stories,
                status=S.BOOKED,
                deleted_at__isnull=True,
                start__gte=self.now,
            )
            .values("contact_id")
            .annotate(first=Min("start"))
            .values_list("contact_id", "first")
        )
        stories = [
            (
                contact_id,
                (outcome, day, self.day(first) if (first := upcoming.get(contact_id)) else None),
            )
            for contact_id, (outcome, day) in self.stories.items()
        ]
        # In parts: the scoreboard's triggers refresh each statement's patients at once.
        for at in range(0, len(stories), STATEMENT_ROWS):
            contacts_schedule_apply(self.practice.pk, dict(stories[at : at + STATEMENT_ROWS]))


def effects_apply(
    practice: Practice, *, appointment_ids: list[int] | None = None, now: dt.datetime | None = None
) -> Counter:
    """Apply the due effects of the practice's appointments (only ``appointment_ids``
    when given), oldest change first; returns the counts (``enrollments_scheduled``,
    ``touches_skipped``, ``showed``, ``no_show``, ``cancelled``). Each batch is one
    transaction; its appointments are locked, so two sweeps never apply one twice."""
    work = _Apply(practice, now or timezone.now())
    while True:
        with transaction.atomic():
            due = Appointment.objects.filter(practice=practice, effects_due=True)
            if appointment_ids is not None:
                due = due.filter(pk__in=appointment_ids)
            batch = list(
                due.select_related("source", "contact")
                .select_for_update(of=("self",), skip_locked=True)
                .order_by("source_updated_at", "pk")[:SWEEP_BATCH]
            )
            if not batch:
                break
            work.stories = {}
            work.batch(batch)
            _appointments_settle(batch)
            work.patients_follow()
    return work.counts


def _undoes(a: Appointment) -> bool:
    """Its effects undo an entry: entered in error, or a result taken back (a show that
    is booked again) — one at a time, through ``booking_undo``."""
    target = a.effective_status
    if target == S.ENTERED_IN_ERROR:
        return True
    return bool(
        target
        and RESULTS.get(target) is None
        and a.effects.get("result_kind") is not None
        and a.effects.get("result")
    )


# The tables a sync grows. The scoreboard's triggers look outcomes up by enrollment and
# correction for each statement's enrollments; planned with the statistics of a near-empty
# table (a new practice's first export, before autovacuum's next pass) each lookup scans
# every outcome, and a 50,000-row file takes minutes instead of seconds.
GROWN_TABLES = ("campaigns_outcome", "schedule_appointment")
_written_since_analyze: Counter = Counter()


def _statistics_keep_up(written: int) -> None:
    """ANALYZE the tables a sync grows once they have doubled since their statistics, as
    the contacts import does (``contacts.import_writer.statistics_keep_up``): autovacuum
    would, a minute or more later. ``written``: about how many rows of each this batch
    wrote (this process's own count: the server's is flushed only when idle)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, greatest(c.reltuples, 0), coalesce(s.n_mod_since_analyze, 0)"
            " FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid"
            " WHERE c.oid = ANY(%s::regclass[])",
            [list(GROWN_TABLES)],
        )
        due = []
        for table, tuples, changed in cursor.fetchall():
            _written_since_analyze[table] += written
            if max(changed, _written_since_analyze[table]) > 1000 + tuples:
                due.append(table)
        if due:
            cursor.execute(f"ANALYZE {', '.join(due)}")  # names from the catalog, ours
            for table in due:
                _written_since_analyze[table] = 0


def _appointments_settle(batch: list[Appointment]) -> None:
    """The batch's appointments keep what their effects now stand for (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Appointment._meta.db_table} a
            SET applied_status = s.applied_status, effects = s.effects::jsonb,
                effects_due = s.due
            FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::boolean[])
                AS s(id, applied_status, effects, due)
            WHERE a.id = s.id
            """,  # noqa: S608 - the table's name is ours
            [
                [a.pk for a in batch],
                [a.applied_status for a in batch],
                [json.dumps(a.effects) for a in batch],
                [a.effects_due for a in batch],
            ],
        )


def _story_order(a: Appointment):
    """A patient's appointments in the order they happened to the practice."""
    return (a.source_updated_at or a.updated_at, a.pk)


def practices_with_effects_due() -> list[int]:
    return list(
        Appointment.objects.filter(effects_due=True)
        .values_list("practice_id", flat=True)
        .distinct()
    )
