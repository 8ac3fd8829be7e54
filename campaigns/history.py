"""The campaigns' part of a patient's history (registered with ``contacts.history``):
enrollments move with a merge, and the outcome log shows on the contact page."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import transaction

from campaigns.enrollments import enrollment_move
from campaigns.models import OPEN_STATES, Enrollment, Outcome, State
from contacts.history import TimelineEntry
from contacts.models import Contact

# How far an open enrollment has got: the one further along is the one a merge keeps.
_PROGRESS = {State.ACTIVE: 0, State.PAUSED: 1, State.REQUALIFYING: 2}


@transaction.atomic
def enrollments_merge(merged: Contact, survivor: Contact) -> None:
    """The merged record's enrollments become the survivor's.

    One patient has at most one open enrollment (DESIGN §4). When both records have one,
    the one further along continues (a reply waiting beats a sequence still running; the
    survivor's wins a tie) and the other, still only running its sequence, is completed
    with its planned touches. When both are with a coordinator already, the merge is
    refused: two conversations are not closed on anyone's behalf."""
    open_ = list(
        Enrollment.objects.select_for_update()
        .filter(contact__in=[merged.pk, survivor.pk], state__in=OPEN_STATES)
        .order_by("pk")
    )
    if len(open_) > 1:
        _kept, end = sorted(
            open_,
            key=lambda e: (_PROGRESS[State(e.state)], e.contact_id == survivor.pk),
            reverse=True,
        )
        if end.state != State.ACTIVE:
            raise ValueError(
                "Both records are in a conversation with a coordinator; "
                "finish one of them before merging."
            )
        enrollment_move(
            end,
            State.COMPLETED,
            note="merged with another record of this patient, whose enrollment continues",
        )
    Enrollment.objects.filter(contact=merged.pk).update(contact=survivor.pk)


def outcomes_timeline(contact_ids: list[int]) -> Iterator[TimelineEntry]:
    outcomes = (
        Outcome.objects.filter(contact_id__in=contact_ids)
        .select_related("enrollment__campaign", "user")
        .order_by()
    )
    for outcome in outcomes:
        what = outcome.get_kind_display()
        if outcome.enrollment_id:
            what += f" ({outcome.enrollment.campaign.name})"
        if outcome.corrects_id:
            what += ", correcting an earlier entry"
        by = ""
        if outcome.user is not None:
            by = f"by {outcome.user.get_full_name() or outcome.user.get_username()}"
        note = "; ".join(filter(None, [outcome.note, by]))
        yield TimelineEntry(outcome.at, what, note)
