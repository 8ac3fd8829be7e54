"""The words a touch carries: the step's template for the patient's bucket and language,
or the enrollment's opener variant, filled with first name, practice and coordinator.

Only those three values go into a message: the treatment and amount are for the
coordinator's screen, never for a text (DESIGN §4).
"""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.defaults import EMAIL_SUBJECT
from campaigns.models import Channel, Enrollment, Step, Template
from campaigns.tone import render


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def opener_step(steps: list[Step]) -> Step | None:
    """The sequence's first text: the step an opener variant replaces."""
    texts = [step for step in steps if step.channel == Channel.SMS]
    return min(texts, key=lambda step: (step.day, step.position)) if texts else None


def template_for(step: Step, bucket: str, language: str) -> Template | None:
    templates = {(t.bucket, t.language): t for t in step.templates.all()}
    return templates.get((bucket, language)) or templates.get((bucket, ""))


def coordinator_name(enrollment: Enrollment) -> str:
    user = enrollment.coordinator
    return (user.first_name or user.get_username()) if user else "the team"


def message_for(enrollment: Enrollment, step: Step) -> Message:
    """Render a step for one enrollment (the opener variant wins on the opener step)."""
    contact, practice = enrollment.contact, enrollment.practice
    values = {
        "first_name": contact.first_name or "there",
        "practice_name": practice.name,
        "coordinator_name": coordinator_name(enrollment),
    }
    template = template_for(step, enrollment.bucket, contact.preferred_language)
    body = template.body if template else ""
    variant = enrollment.variant
    if variant and variant.body and opener_step(list(step.sequence.steps.all())) == step:
        body = variant.body
    subject = (template.subject if template else "") or EMAIL_SUBJECT
    return Message(subject=render(subject, values), body=render(body, values))
