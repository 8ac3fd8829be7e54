"""Consent on record at send time (issue 17.5): a marketing-purpose message to a contact
without a written basis is held with that reason. Called by the send guard.

Cheap for the common case: an informational template (the default) asks nothing of the
database (the step's templates come prefetched by the dispatcher); only a marketing one
reads the patient's consent record.
"""

from __future__ import annotations

from campaigns.messages import template_for
from campaigns.models import Purpose, Touch
from contacts import consent

HELD = "held: marketing message needs written consent on record"


def _purpose(touch: Touch) -> str:
    enrollment = touch.enrollment
    template = template_for(touch.step, enrollment.bucket, enrollment.contact.preferred_language)
    return template.purpose if template else Purpose.INFORMATIONAL


def consent_hold_reason(touch: Touch) -> str:
    """Why ``touch`` may not go out for want of consent ('' = it may)."""
    if _purpose(touch) != Purpose.MARKETING:
        return ""
    return "" if consent.written_consent_on_record(touch.enrollment.contact) else HELD


def consent_basis(touch: Touch) -> str:
    """The consent basis the touch went out on, in a word, for its receipt ('' unknown)."""
    return consent.consent_basis(touch.enrollment.contact)
