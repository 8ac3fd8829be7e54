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
from collections import Counter

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from campaigns.bookings import (
    booking_enrollment,
    booking_reason,
    booking_undo,
    enrollment_attend,
    enrollment_book,
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
SWEEP_BATCH = 500


class _Apply:
    """One sweep's work for one practice: counts, and the patients whose record follows."""

    def __init__(self, practice: Practice, now: dt.datetime) -> None:
        self.practice, self.now, self.zone = practice, now, practice.time_zone
        self.counts: Counter = Counter()
        self.stories: dict[int, tuple[str | None, dt.date | None]] = {}

    def day(self, at: dt.datetime | None) -> dt.date:
        return timezone.localdate(at or self.now, self.zone)

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
            if target == S.CANCELLED and a.applied_status != S.CANCELLED:
                self.counts["cancelled"] += 1
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
        contacts_schedule_apply(
            self.practice.pk,
            {
                contact_id: (
                    outcome,
                    day,
                    self.day(first) if (first := upcoming.get(contact_id)) else None,
                )
                for contact_id, (outcome, day) in self.stories.items()
            },
        )


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
            for appointment in sorted(batch, key=_story_order):
                work.appointment(appointment)
            Appointment.objects.bulk_update(batch, ["applied_status", "effects", "effects_due"])
            work.patients_follow()
    return work.counts


def _story_order(a: Appointment):
    """A patient's appointments in the order they happened to the practice."""
    return (a.source_updated_at or a.updated_at, a.pk)


def practices_with_effects_due() -> list[int]:
    return list(
        Appointment.objects.filter(effects_due=True)
        .values_list("practice_id", flat=True)
        .distinct()
    )
