"""Writes for campaigns: default sequences, templates, campaigns, enrollment, planning,
the enrollment state machine's moves, re-qualification, outcomes and the nurture sweep.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from collections.abc import Sequence as Seq

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from campaigns import pacing, selectors, tone
from campaigns.defaults import DEFAULT_STEPS
from campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    ElsewhereReason,
    Enrollment,
    OpenerVariant,
    Outcome,
    OutcomeKind,
    Purpose,
    Sequence,
    State,
    Step,
    Template,
    Touch,
    TouchStatus,
)
from campaigns.replies import replies_waiting_since
from campaigns.scheduling import Recipient, SendingRules, allowed_until, due_at, is_allowed
from campaigns.states import OUTCOME_OF, IllegalTransition, transition_check
from contacts.models import Bucket, Contact
from contacts.services import contact_phone_wrong
from reactivate.models import Practice

CHUNK = 1000


# --- Sequences and templates -----------------------------------------------------------


@transaction.atomic
def sequence_default_ensure(practice: Practice) -> Sequence:
    """The practice's default sequence, created from ``campaigns.defaults`` when missing."""
    sequence = Sequence.objects.filter(practice=practice, is_default=True).first()
    if sequence:
        return sequence
    sequence = Sequence.objects.create(practice=practice, name="Default sequence", is_default=True)
    for default in DEFAULT_STEPS:
        step = Step.objects.create(
            sequence=sequence,
            day=default.day,
            position=default.position,
            channel=default.channel,
            name=default.name,
            one_question=default.one_question,
            is_closeout=default.is_closeout,
        )
        Template.objects.bulk_create(
            Template(step=step, bucket=bucket, body=body) for bucket, body in default.bodies.items()
        )
    return sequence


NEW_STEP_WORDS = "Hi {first_name}, it's {coordinator_name} at {practice_name}. Just checking in."


@transaction.atomic
def step_add(*, sequence: Sequence, day: int, channel: str, name: str) -> Step:
    """A new step with neutral words for every bucket, for the admin to edit."""
    position = sequence.steps.filter(day=day).count()
    step = Step.objects.create(
        sequence=sequence, day=day, position=position, channel=channel, name=name
    )
    Template.objects.bulk_create(
        Template(step=step, bucket=bucket, body=NEW_STEP_WORDS) for bucket in Bucket.values
    )
    return step


def step_update(step: Step, *, day: int, channel: str, name: str, one_question: bool) -> Step:
    """Changes apply to touches planned from now on; planned touches keep their times."""
    if day != step.day:  # it joins the end of its new day
        step.position = step.sequence.steps.filter(day=day).count()
    step.day, step.channel, step.name, step.one_question = day, channel, name, one_question
    step.save()
    return step


def step_remove(step: Step) -> None:
    if Touch.objects.filter(step=step).exists():
        raise ValidationError(
            "Patients already have touches planned from this step; "
            "stop those campaigns first, or edit the step's words instead."
        )
    step.delete()


@transaction.atomic
def template_language_add(step: Step, language: str) -> list[Template]:
    """Words in another language for each bucket, copied from the default to translate."""
    language = language.strip().lower()
    if not language:
        raise ValidationError("Give a language code, e.g. es.")
    existing = set(step.templates.filter(language=language).values_list("bucket", flat=True))
    copies = [
        Template(step=step, bucket=t.bucket, language=language, subject=t.subject, body=t.body)
        for t in step.templates.filter(language="")
        if t.bucket not in existing
    ]
    return Template.objects.bulk_create(copies)


def template_save(
    *, template: Template, body: str, subject: str = "", purpose: str = ""
) -> list[tone.Finding]:
    """Save new words unless they could not be sent; returns the tone check's warnings.

    The subject is rendered for every touch of the step, whatever its channel, so it is
    checked as the body is: a subject that cannot be filled in fails every send.
    """
    findings = tone.tone_check(
        body, channel=template.step.channel, one_question=template.step.one_question
    )
    problems = [finding.message for finding in tone.blocking(findings)]
    problems = problems or tone.render_problems(body)
    problems += [f"Subject: {problem}" for problem in tone.render_problems(subject)]
    if problems:
        raise ValidationError(problems)
    if purpose and purpose not in Purpose.values:
        raise ValidationError("Choose informational or marketing.")
    template.body, template.subject = body, subject
    # Marketing needs written consent on record at send time (outreach.consent_gate).
    template.purpose = purpose or template.purpose
    template.save(update_fields=["body", "subject", "purpose", "updated_at"])
    return findings


# --- Campaigns -------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    practice: Practice,
    name: str,
    buckets: list[str],
    start_date: dt.date,
    user=None,
    filters: dict | None = None,
    holdout_percent: int = 0,
    coordinators: Seq = (),
    assignment: str = "round_robin",
    variants: Seq[tuple[int, str]] = (),
    sequence: Sequence | None = None,
) -> Campaign:
    """A draft campaign. ``variants`` are (share, opener body) pairs, two or three of them."""
    unknown = set(buckets) - set(Bucket.values)
    if not buckets or unknown:
        raise ValidationError(f"Choose buckets among {', '.join(Bucket.values)}.")
    if variants and not 2 <= len(variants) <= 3:
        raise ValidationError("Split an opener into two or three variants.")
    for _share, body in variants:
        if body and tone.blocking(tone.tone_check(body)):
            raise ValidationError("An opener variant has unknown placeholders.")
    campaign = Campaign.objects.create(
        practice=practice,
        name=name,
        sequence=sequence or sequence_default_ensure(practice),
        buckets=sorted(buckets),
        filters=filters or {},
        holdout_percent=holdout_percent,
        assignment=assignment,
        start_date=start_date,
        created_by=user,
    )
    campaign.coordinators.set(coordinators)
    OpenerVariant.objects.bulk_create(
        OpenerVariant(campaign=campaign, label="ABC"[i], share=share, body=body)
        for i, (share, body) in enumerate(variants)
    )
    return campaign


def split_exact(items: list, shares: Seq[int]) -> list[list]:
    """Cut ``items`` into parts proportional to ``shares`` (largest remainder)."""
    total, n = sum(shares), len(items)
    sizes = [n * share // total for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (n * shares[i]) % total, reverse=True)
    for i in by_remainder[: n - sum(sizes)]:
        sizes[i] += 1
    parts, start = [], 0
    for size in sizes:
        parts.append(items[start : start + size])
        start += size
    return parts


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


def _enroll(
    campaign: Campaign,
    contacts: Iterable[Contact],
    assign: dict[int, tuple[bool, OpenerVariant | None, int | None]],
    start_day: dt.date,
    bucket_of: dict[int, str],
    start_day_of: dict[int, dt.date] | None = None,
) -> int:
    """``start_day_of``: a start day per contact (a paced start), else ``start_day``."""
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


def _coordinator_cycle(campaign: Campaign) -> list[int]:
    ids = list(campaign.coordinators.order_by("pk").values_list("pk", flat=True))
    return ids[:1] if campaign.assignment == "one" else ids


@transaction.atomic
def campaign_start(
    campaign: Campaign, *, today: dt.date | None = None, per_day: int | None = None
) -> dict:
    """Enroll every eligible patient and plan their touches; returns what happened.

    Held-out patients are enrolled (so lift can be measured) but get no touches. The
    opener variants and the holdout are drawn at random, in the exact asked shares.
    ``per_day``: start that many contacted patients a day (``campaigns.pacing``).
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError("This campaign has already started.")
    today = today or timezone.localdate()
    preview = selectors.audience_preview(
        campaign.practice, campaign.buckets, campaign.filters, today
    )
    eligible = selectors.eligible_contacts(
        campaign.practice, campaign.buckets, campaign.filters, today
    )
    rows = list(eligible.values_list("pk", "bucket", "assigned_to_id"))
    # Seeded per campaign: a fair draw that a re-run of the same campaign reproduces.
    rng = random.Random(f"campaign-{campaign.pk}")  # noqa: S311 (not for secrets)
    rng.shuffle(rows)
    n_held = round(len(rows) * campaign.holdout_percent / 100)
    held, treated = rows[:n_held], rows[n_held:]
    variants = list(campaign.variants.all())
    parts = split_exact(treated, [v.share for v in variants]) if variants else [treated]
    cycle = _coordinator_cycle(campaign)
    assign: dict[int, tuple[bool, OpenerVariant | None, int | None]] = {}
    for i, (pk, _bucket, assigned) in enumerate(held + treated):
        coordinator = assigned if assigned in cycle or not cycle else cycle[i % len(cycle)]
        assign[pk] = (i < n_held, None, coordinator)
    for variant, part in zip(variants, parts, strict=False):
        for pk, _bucket, _assigned in part:
            assign[pk] = (False, variant, assign[pk][2])
    bucket_of = {pk: bucket for pk, bucket, _ in rows}
    start_day = max(campaign.start_date, today)
    start_day_of = {}
    if per_day:
        held_days, treated_days = pacing.start_days(
            len(held), len(treated), start_day, per_day, rng
        )
        start_day_of = {
            pk: day
            for (pk, _b, _a), day in zip(held + treated, held_days + treated_days, strict=True)
        }
    ids = [pk for pk, _b, _a in rows]
    for i in range(0, len(ids), CHUNK):
        contacts = Contact.objects.filter(pk__in=ids[i : i + CHUNK]).order_by("pk")
        _enroll(campaign, contacts, assign, start_day, bucket_of, start_day_of)
    campaign.status, campaign.started_at = CampaignStatus.RUNNING, timezone.now()
    campaign.save(update_fields=["status", "started_at"])
    return {
        "enrolled": len(rows) - n_held,
        "held_out": n_held,
        "excluded": preview.excluded,
    }


def _touches_skip(enrollments, reason: str) -> int:
    return Touch.objects.filter(enrollment__in=enrollments, status=TouchStatus.PLANNED).update(
        status=TouchStatus.SKIPPED, reason=reason
    )


@transaction.atomic
def campaign_set_status(campaign: Campaign, status: CampaignStatus) -> Campaign:
    """Pause, resume or stop. Stopping ends active enrollments and their planned touches;
    patients who replied stay with their coordinator."""
    allowed = {
        CampaignStatus.PAUSED: {CampaignStatus.RUNNING},
        CampaignStatus.RUNNING: {CampaignStatus.PAUSED},
        CampaignStatus.STOPPED: {CampaignStatus.RUNNING, CampaignStatus.PAUSED},
    }
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in allowed[status]:
        raise ValidationError(
            f"A {campaign.get_status_display().lower()} campaign cannot be "
            f"{CampaignStatus(status).label.lower()}."
        )
    campaign.status = status
    campaign.save(update_fields=["status"])
    if status == CampaignStatus.STOPPED:
        active = campaign.enrollments.filter(state=State.ACTIVE)
        _touches_skip(active, "skipped: campaign stopped")
        for enrollment in active:
            enrollment_move(enrollment, State.COMPLETED, note="campaign stopped")
    return campaign


# --- The enrollment state machine ------------------------------------------------------


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


def outcome_correct(outcome: Outcome, *, kind: OutcomeKind, user, note: str = "") -> Outcome:
    """A correction is a new entry pointing at the one it replaces; the log never changes."""
    return outcome_record(
        contact=outcome.contact,
        enrollment=outcome.enrollment,
        kind=kind,
        user=user,
        note=note,
        corrects=outcome,
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
    _touches_skip([enrollment], f"skipped: enrollment {State(target).label.lower()}")
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
        until = timezone.localdate() + dt.timedelta(days=enrollment.campaign.nurture_days)
        return enrollment_move(enrollment, target, user=user, note=note, nurture_until=until)
    return enrollment_move(enrollment, target, user=user, note=note, appointment_at=appointment_at)


def enrollment_not_now(
    enrollment: Enrollment, *, user, return_date: dt.date, note: str = ""
) -> Enrollment:
    if return_date <= timezone.localdate():
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


# --- Periodic sweeps -------------------------------------------------------------------


def enrollments_complete_due(today: dt.date | None = None) -> int:
    """Active enrollments with nothing left to send, past their last day, are completed."""
    today = today or timezone.localdate()
    done = 0
    last_day = (
        Step.objects.filter(sequence=OuterRef("campaign__sequence"))
        .order_by("-day")
        .values("day")[:1]
    )
    pending = Touch.objects.filter(
        enrollment=OuterRef("pk"),
        status__in=[TouchStatus.PLANNED, TouchStatus.CLAIMED, TouchStatus.SENDING],
    )
    # One query: each enrollment's last step day, and no per-row check for pending touches.
    candidates = (
        Enrollment.objects.filter(state=State.ACTIVE, start_day__lt=today)
        .annotate(last_day=Subquery(last_day))
        .exclude(Exists(pending))
        .select_related("contact")
    )
    for enrollment in candidates.iterator(chunk_size=CHUNK):
        if enrollment.start_day + dt.timedelta(days=enrollment.last_day or 1) > today:
            continue
        try:
            enrollment_move(enrollment, State.COMPLETED)
            done += 1
        except IllegalTransition:
            continue  # moved by someone else meanwhile
    return done


def nurture_reenroll_due(today: dt.date | None = None) -> int:
    """Patients whose nurture or "not now" date has come are enrolled again (not-now story)."""
    today = today or timezone.localdate()
    due = Enrollment.objects.filter(
        state__in=[State.NURTURE, State.CLOSED_NOT_NOW],
        nurture_until__lte=today,
        renewed_at__isnull=True,
    ).select_related("campaign", "contact", "practice")
    renewed = 0
    for old in due.iterator(chunk_size=CHUNK):
        with transaction.atomic():
            # Claim it: two sweeps never enroll the same patient twice.
            if not Enrollment.objects.filter(pk=old.pk, renewed_at__isnull=True).update(
                renewed_at=timezone.now()
            ):
                continue
            campaign = old.campaign
            eligible = selectors.eligible_contacts(old.practice, None, {}, today).filter(
                pk=old.contact_id
            )
            if campaign.status == CampaignStatus.STOPPED or not eligible.exists():
                continue
            _enroll(
                campaign,
                [old.contact],
                {old.contact_id: (False, None, old.coordinator_id)},
                today,
                {old.contact_id: Bucket.NOT_NOW},
            )
            renewed += 1
    return renewed


# --- One-tap results from the work queue --------------------------------------------------

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
