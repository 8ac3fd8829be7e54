"""Enrolling patients in a campaign and planning their touches: one per step of the
sequence, on a channel the patient can receive, due when the practice's sending rules
allow. Shared by a campaign's start, the nurture sweep and the contact page's enroll."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from campaigns.models import Campaign, Channel, Enrollment, OpenerVariant, Step, Touch, TouchStatus
from campaigns.replies import replies_waiting_since
from campaigns.scheduling import Recipient, SendingRules, allowed_until, due_at, is_allowed
from contacts.models import Contact

CHUNK = 1000


# A recipient with a contact cap (FL, OK, MD: 3 a day) gets a day's touches this far
# apart (Day 1's call, then its text), so a coordinator's call back and the next day's
# touches still fit; never past the day's window, whose last hour is left free.
SPREAD = dt.timedelta(hours=3)
LAST_HOUR = dt.timedelta(hours=1)


def _spread(
    earlier: dt.datetime, due: dt.datetime, rules: SendingRules, recipient: Recipient
) -> dt.datetime:
    """A same-day touch's due time, some hours after the day's earlier touch when the
    window allows; else as planned."""
    end = allowed_until(earlier, rules, recipient)
    if end is None:
        return due
    spread = min(earlier + SPREAD, end - LAST_HOUR)
    return spread if spread > due and is_allowed(spread, rules, recipient) else due


def _plan(
    enrollment: Enrollment, contact: Contact, steps: list[Step], rules: SendingRules
) -> list[Touch]:
    """The enrollment's touches: one per step, on the channel the patient can receive."""
    recipient = Recipient.of(contact, enrollment.practice)
    textable = contact.phone_valid and not contact.sms_unreachable and not contact.sms_opt_out_at
    callable_ = contact.phone_valid and not contact.call_opt_out_at
    emailable = contact.email_valid and not contact.email_opt_out_at
    capped = recipient.cap is not None
    day_last: dict[int, dt.datetime] = {}  # sequence day -> its latest touch's due time
    touches = []
    for step in steps:
        channel, reason = step.channel, ""
        if channel == Channel.SMS and not textable:
            # Email is the fallback for patients with no textable number.
            channel = Channel.EMAIL
        usable = {
            Channel.SMS: textable,
            Channel.CALL: callable_,
            Channel.VOICEMAIL: callable_,
            Channel.EMAIL: emailable,
        }[channel]
        if not usable:
            reason = "skipped: no number or email this step can use"
        due = due_at(enrollment.start_day, step.day, rules, recipient)
        if capped and usable and step.day in day_last:
            due = _spread(day_last[step.day], due, rules, recipient)
        if usable:
            day_last[step.day] = due
        touches.append(
            Touch(
                practice=enrollment.practice,
                enrollment=enrollment,
                step=step,
                channel=channel,
                due_at=due,
                status=TouchStatus.PLANNED if usable else TouchStatus.SKIPPED,
                reason=reason,
            )
        )
    return touches


def enrollments_create(
    campaign: Campaign,
    contacts: Iterable[Contact],
    assign: dict[int, tuple[bool, OpenerVariant | None, int | None]],
    start_day: dt.date,
    bucket_of: dict[int, str],
    start_day_of: dict[int, dt.date] | None = None,
) -> int:
    """Enroll ``contacts`` in ``campaign`` and plan their touches (none for the held out).

    ``assign``: per contact, (held out, opener variant, coordinator id); ``start_day_of``:
    a start day per contact (a paced start), else ``start_day``."""
    start_day_of = start_day_of or {}
    steps = list(campaign.sequence.steps.all())
    rules = SendingRules.of(campaign.practice)
    contacts = list(contacts)
    waiting = replies_waiting_since(contact.pk for contact in contacts)
    enrollments, plans = [], []
    for contact in contacts:
        held_out, variant, coordinator_id = assign[contact.pk]
        enrollment = Enrollment(
            practice=campaign.practice,
            campaign=campaign,
            contact=contact,
            bucket=bucket_of[contact.pk],
            held_out=held_out,
            variant=variant,
            coordinator_id=coordinator_id,
            start_day=start_day_of.get(contact.pk, start_day),
            # A reply that came before the enrollment waits in the work queue all the same.
            reply_waiting_since=waiting.get(contact.pk),
        )
        enrollments.append(enrollment)
        plans.append((enrollment, contact))
    Enrollment.objects.bulk_create(enrollments)
    touches = [
        touch
        for enrollment, contact in plans
        if not enrollment.held_out
        for touch in _plan(enrollment, contact, steps, rules)
    ]
    Touch.objects.bulk_create(touches, batch_size=CHUNK)
    return len(enrollments)
