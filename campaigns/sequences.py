"""Writes for what a practice sends: its default sequence, the sequence's steps and each
step's words (templates), checked by ``campaigns.tone`` before they are saved."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from campaigns import tone
from campaigns.defaults import DEFAULT_STEPS
from campaigns.models import Purpose, Sequence, Step, Template, Touch
from contacts.models import Bucket
from reactivate.models import Practice


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
