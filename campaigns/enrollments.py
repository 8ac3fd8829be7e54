"""The enrollment state machine's moves (``campaigns.states`` says which are legal): each
move writes the outcome it stands for and stops the planned touches of an enrollment that
is no longer active; re-qualification, "not now" and "went elsewhere" are moves with
what the coordinator was told."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns.models import ElsewhereReason, Enrollment, OutcomeKind, State, Touch, TouchStatus
from campaigns.outcomes import outcome_record
from campaigns.states import OUTCOME_OF, IllegalTransition, transition_check


def touches_skip(enrollments, reason: str) -> int:
    """Stop the planned touches of ``enrollments``, saying why."""
    return Touch.objects.filter(enrollment__in=enrollments, status=TouchStatus.PLANNED).update(
        status=TouchStatus.SKIPPED, reason=reason
    )


@transaction.atomic
def enrollment_move(
    enrollment: Enrollment,
    target: State,
    *,
    user=None,
    at: dt.datetime | None = None,
    note: str = "",
    kind: OutcomeKind | None = None,
    **outcome_fields,
) -> Enrollment:
    """Move an enrollment, write the outcome the move stands for (or ``kind``), and stop
    its planned touches when it is no longer active. Raises IllegalTransition."""
    transition_check(enrollment.state, target)
    at, previous = at or timezone.now(), enrollment.state
    updates = {"state": target, "state_changed_at": at}
    for name in ("nurture_until", "appointment_at"):
        if outcome_fields.get(name):
            updates[name] = outcome_fields[name]
    # Conditional: two coordinators (or a webhook and a coordinator) never both move it.
    moved = Enrollment.objects.filter(pk=enrollment.pk, state=enrollment.state).update(**updates)
    if not moved:
        raise IllegalTransition("Someone else just updated this enrollment; reload to see it.")
    for name, value in updates.items():
        setattr(enrollment, name, value)
    touches_skip([enrollment], f"skipped: enrollment {State(target).label.lower()}")
    kind = kind or OUTCOME_OF[State(target)]
    if kind:
        outcome_record(
            contact=enrollment.contact,
            enrollment=enrollment,
            kind=kind,
            user=user,
            at=at,
            note=note,
            state_before=previous,
            **outcome_fields,
        )
    return enrollment


def enrollment_reply(enrollment: Enrollment, *, at: dt.datetime | None = None) -> Enrollment:
    """A reply stops the automated touches and puts the patient before a coordinator."""
    if enrollment.state != State.ACTIVE:
        return enrollment
    return enrollment_move(enrollment, State.PAUSED, at=at)


@transaction.atomic
def enrollment_requalify(
    enrollment: Enrollment,
    *,
    user,
    soon: bool,
    fit: bool,
    appointment_at: dt.datetime | None = None,
    note: str = "",
) -> Enrollment:
    """The two questions: moving forward soon or later? comfortable with the investment?

    Not a fit → closed as not a fit. A fit is *qualified*; then later → nurture
    (re-enrolled after the campaign's nurture days), soon → scheduled at
    ``appointment_at``.
    """
    if fit and soon and appointment_at is None:
        raise ValidationError("Give the appointment's date and time to schedule.")
    if enrollment.state == State.PAUSED:
        enrollment = enrollment_move(enrollment, State.REQUALIFYING, user=user)
    if not fit:
        return enrollment_move(enrollment, State.CLOSED_NOT_FIT, user=user, note=note)
    target = State.SCHEDULED if soon else State.NURTURE
    transition_check(enrollment.state, target)
    outcome_record(
        contact=enrollment.contact, enrollment=enrollment, kind=OutcomeKind.QUALIFIED, user=user
    )
    if not soon:
        until = enrollment.practice.today() + dt.timedelta(days=enrollment.campaign.nurture_days)
        return enrollment_move(enrollment, target, user=user, note=note, nurture_until=until)
    return enrollment_move(enrollment, target, user=user, note=note, appointment_at=appointment_at)


def enrollment_not_now(
    enrollment: Enrollment, *, user, return_date: dt.date, note: str = ""
) -> Enrollment:
    if return_date <= enrollment.practice.today():
        raise ValidationError("The return date must be in the future.")
    return enrollment_move(
        enrollment, State.CLOSED_NOT_NOW, user=user, note=note, nurture_until=return_date
    )


def enrollment_elsewhere(
    enrollment: Enrollment, *, user, category: str, what_mattered: str
) -> Enrollment:
    """Went elsewhere, with "What mattered most in that decision?" (category and words)."""
    if category not in ElsewhereReason.values:
        raise ValidationError("Choose what mattered most in that decision.")
    return enrollment_move(
        enrollment,
        State.CLOSED_ELSEWHERE,
        user=user,
        reason_category=category,
        reason_text=what_mattered.strip(),
    )
