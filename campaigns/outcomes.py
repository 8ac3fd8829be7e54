"""The append-only outcome log's writes: an entry, a call's one-tap result from the work
queue, and the undo of a tap (a new entry pointing at the one it undoes)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns.models import Channel, Enrollment, Outcome, OutcomeKind, State, Touch, TouchStatus
from contacts.models import Contact
from contacts.services import contact_phone_wrong


def outcome_record(
    *,
    contact: Contact,
    kind: OutcomeKind,
    enrollment: Enrollment | None = None,
    user=None,
    at: dt.datetime | None = None,
    **fields,
) -> Outcome:
    return Outcome.objects.create(
        practice_id=contact.practice_id,
        contact=contact,
        enrollment=enrollment,
        kind=kind,
        user=user,
        at=at or timezone.now(),
        **fields,
    )


CALL_RESULTS = (
    OutcomeKind.NO_ANSWER,
    OutcomeKind.LEFT_VOICEMAIL,
    OutcomeKind.REACHED,
    OutcomeKind.WRONG_NUMBER,
)
UNDO_SECONDS = 120


def call_result_record(enrollment: Enrollment, *, kind: OutcomeKind, user) -> Outcome:
    """A call's result: logged, the enrollment stays where it is. A wrong number stops
    calls and texts to that number (the patient may still be reached by email)."""
    if kind not in CALL_RESULTS:
        raise ValidationError("Unknown call result.")
    if kind == OutcomeKind.WRONG_NUMBER:
        contact_phone_wrong(enrollment.contact)
    # The call task this answers is done (a later day's call stays planned).
    Touch.objects.filter(
        enrollment=enrollment,
        channel=Channel.CALL,
        status=TouchStatus.PLANNED,
        due_at__lte=timezone.now(),
    ).update(status=TouchStatus.DONE, reason=f"done: {OutcomeKind(kind).label.lower()}")
    return outcome_record(contact=enrollment.contact, enrollment=enrollment, kind=kind, user=user)


@transaction.atomic
def outcome_undo(outcome: Outcome, *, user, now: dt.datetime | None = None) -> Outcome:
    """Undo a tap within ``UNDO_SECONDS`` by the one who made it: an "undone" entry points
    at it (the log never changes), the enrollment goes back to where it was, and the
    touches the tap stopped are planned again."""
    now = now or timezone.now()
    if outcome.user_id != user.pk or (now - outcome.at).total_seconds() > UNDO_SECONDS:
        raise ValidationError("Only your own last action, within two minutes, can be undone.")
    if outcome.corrections.exists():
        raise ValidationError("This was already corrected.")
    undone = outcome_record(
        contact=outcome.contact,
        enrollment=outcome.enrollment,
        kind=OutcomeKind.UNDONE,
        user=user,
        at=now,
        corrects=outcome,
    )
    enrollment = outcome.enrollment
    if enrollment and outcome.state_before:
        moved_to = enrollment.state
        Enrollment.objects.filter(pk=enrollment.pk, state=moved_to).update(
            state=outcome.state_before, state_changed_at=now
        )
        Touch.objects.filter(
            enrollment=enrollment,
            status=TouchStatus.SKIPPED,
            reason=f"skipped: enrollment {State(moved_to).label.lower()}",
            due_at__gt=now,
        ).update(status=TouchStatus.PLANNED, reason="")
    return undone
