"""Writes on contacts that people make from the pages (imports and merges live in
``importing`` and ``dedupe``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contacts import hygiene
from contacts.models import Contact, OutcomeSynonym
from reactivate.models import Practice, Role


def contacts_assign(
    *, practice: Practice, contact_ids: list[int], coordinator_id: int | None
) -> int:
    """Assign contacts to a coordinator of the practice (or to nobody)."""
    if coordinator_id is not None:
        is_member = (
            get_user_model()
            .objects.filter(
                pk=coordinator_id,
                memberships__practice=practice,
                memberships__role__in=[Role.COORDINATOR, Role.ADMIN],
            )
            .exists()
        )
        if not is_member:
            raise ValidationError("Choose a coordinator of this practice.")
    return Contact.objects.filter(practice=practice, pk__in=contact_ids).update(
        assigned_to_id=coordinator_id, updated_at=timezone.now()
    )


def contacts_mark_do_not_contact(*, practice: Practice, contact_ids: list[int], reason: str) -> int:
    return Contact.objects.filter(
        practice=practice, pk__in=contact_ids, do_not_contact=False
    ).update(
        do_not_contact=True,
        do_not_contact_reason=reason[:200] or "marked by staff",
        updated_at=timezone.now(),
    )


@transaction.atomic
def outcome_synonym_add(*, practice: Practice, text: str, outcome: str) -> OutcomeSynonym:
    key = hygiene.outcome_key(text)
    if not key:
        raise ValidationError("Enter the word as it appears in your export.")
    synonym, _ = OutcomeSynonym.objects.update_or_create(
        practice=practice, key=key, defaults={"text": text.strip()[:100], "outcome": outcome}
    )
    return synonym
