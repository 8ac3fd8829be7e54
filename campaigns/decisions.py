"""A coordinator's decision on an enrollment: the one path behind the work queue's taps and
the enrollment page's forms.

A decision is recorded (the outcome log, the enrollment's state) and, since deciding is
how a coordinator answers a patient, the patient's waiting replies are handled with it:
a decision made on either page leaves no answered reply at the top of "Replies waiting".
Undoing a decision puts back what the decision changed, the contact's do-not-contact
flag included.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from campaigns.enrollments import (
    enrollment_elsewhere,
    enrollment_move,
    enrollment_not_now,
    enrollment_requalify,
)
from campaigns.forms import ElsewhereForm, NotNowForm, RequalifyForm
from campaigns.models import Enrollment, Outcome, OutcomeKind, State
from campaigns.outcomes import CALL_RESULTS, call_result_record, outcome_undo
from campaigns.replies import replies_handle
from contacts.services import contact_do_not_contact_clear, contacts_mark_do_not_contact

# The decisions that ask something more than the tap, and the form that asks it.
DECISION_FORMS: dict[str, type[forms.Form]] = {
    "requalify": RequalifyForm,
    "not_now": NotNowForm,
    "elsewhere": ElsewhereForm,
}
# One line for a form the panel shows in a few words (the enrollment page shows each field's).
FORM_ERRORS = {
    "requalify": "Answer both questions.",
    "not_now": "Choose the date to check back.",
    "elsewhere": "Choose what mattered most in that decision.",
}
TAPS = (*(kind.value for kind in CALL_RESULTS), "not_a_fit", "do_not_contact")
DECISIONS = (*TAPS, *DECISION_FORMS)


class UnknownDecision(ValueError):
    """Not one of ``DECISIONS`` (a forged form): the views answer 404."""


def decision_form(kind: str, data: Mapping | None = None) -> forms.Form | None:
    """The form a decision asks (bound to ``data`` when given); None for a plain tap."""
    if kind not in DECISIONS:
        raise UnknownDecision(kind)
    form_class = DECISION_FORMS.get(kind)
    return form_class(data) if form_class else None


def do_not_contact_reason(user) -> str:
    """Who set the flag and where: the coordinator pressed a key; the patient may not have
    asked (a patient who asks by text is opted out by their own words instead)."""
    name = (user.get_full_name() or user.get_username()) if user else "staff"
    return f"Set by {name} from the work queue"


def _reason(user, note: str) -> str:
    reason = do_not_contact_reason(user)
    return (f"{reason}: {note}" if note else reason)[:200]


def _do_not_contact(enrollment: Enrollment, *, user, note: str) -> Enrollment:
    contacts_mark_do_not_contact(
        practice=enrollment.practice,
        contact_ids=[enrollment.contact_id],
        reason=_reason(user, note),
    )
    return enrollment_move(
        enrollment, State.OPTED_OUT, user=user, note=note, kind=OutcomeKind.DO_NOT_CONTACT
    )


@transaction.atomic
def enrollment_decide(
    enrollment: Enrollment, kind: str, *, user, data: Mapping | None = None
) -> Outcome | None:
    """Record the decision ``kind`` with the cleaned ``data`` of its form (see
    ``decision_form``); returns the outcome written (for undo). Raises ValidationError or
    IllegalTransition with a message for the coordinator, UnknownDecision for a kind that
    does not exist."""
    data = data or {}
    if kind not in DECISIONS:
        raise UnknownDecision(kind)
    if kind in CALL_RESULTS:
        recorded = call_result_record(enrollment, kind=OutcomeKind(kind), user=user)
    else:
        if kind == "not_a_fit":
            enrollment_move(enrollment, State.CLOSED_NOT_FIT, user=user)
        elif kind == "do_not_contact":
            _do_not_contact(enrollment, user=user, note=data.get("note", ""))
        elif kind == "not_now":
            enrollment_not_now(
                enrollment, user=user, return_date=data["return_date"], note=data["note"]
            )
        elif kind == "elsewhere":
            enrollment_elsewhere(
                enrollment,
                user=user,
                category=data["category"],
                what_mattered=data["what_mattered"],
            )
        else:
            enrollment_requalify(
                enrollment,
                user=user,
                soon=data["soon"],
                fit=data["fit"],
                appointment_at=data["appointment_at"],
                note=data["note"],
            )
        recorded = enrollment.outcomes.filter(user=user).order_by("-id").first()
    replies_handle(enrollment.contact_id)
    return recorded


def decision_errors(error: Exception) -> str:
    """One line for the coordinator from a refused decision."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@transaction.atomic
def decision_undo(outcome: Outcome, *, user) -> Outcome:
    """Undo a decision (``outcome_undo``: the enrollment goes back, stopped touches are
    planned again) and what it did to the contact: undoing "Do not contact" clears the
    flag that tap set — and only that one: a flag set before it (by another tap, the
    patient, an import) stays."""
    undone = outcome_undo(outcome, user=user)
    if outcome.kind == OutcomeKind.DO_NOT_CONTACT:
        earlier = (
            Outcome.objects.filter(contact=outcome.contact, kind=OutcomeKind.DO_NOT_CONTACT)
            .exclude(pk=outcome.pk)
            .exclude(corrections__isnull=False)
        )
        if not earlier.exists():
            contact_do_not_contact_clear(
                outcome.contact, set_with=_reason(outcome.user, outcome.note)
            )
    return undone
