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


def contact_do_not_contact_clear(contact: Contact, *, set_with: str) -> bool:
    """Clear the do-not-contact flag if it is still the one set with reason ``set_with``
    (conditional: a flag set since, for another reason, stays). True if cleared."""
    cleared = Contact.objects.filter(
        pk=contact.pk, do_not_contact=True, do_not_contact_reason=set_with
    ).update(do_not_contact=False, do_not_contact_reason="", updated_at=timezone.now())
    return bool(cleared)


@transaction.atomic
def outcome_synonym_add(*, practice: Practice, text: str, outcome: str) -> OutcomeSynonym:
    key = hygiene.outcome_key(text)
    if not key:
        raise ValidationError("Enter the word as it appears in your export.")
    synonym, _ = OutcomeSynonym.objects.update_or_create(
        practice=practice, key=key, defaults={"text": text.strip()[:100], "outcome": outcome}
    )
    return synonym


# --- Consent (called by outreach when a patient or the carrier tells us) -----------------

CHANNELS = ("sms", "call", "email")


def contact_opt_out(contact: Contact, channels: list[str], *, via: str) -> list[str]:
    """Opt a patient out of channels at once; returns those newly opted out.

    An existing opt-out keeps its first date and source.
    """
    now, newly = timezone.now(), []
    for channel in channels:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel}")
        if Contact.objects.filter(pk=contact.pk, **{f"{channel}_opt_out_at__isnull": True}).update(
            **{f"{channel}_opt_out_at": now, f"{channel}_opt_out_via": via[:50]},
            updated_at=now,
        ):
            setattr(contact, f"{channel}_opt_out_at", now)
            setattr(contact, f"{channel}_opt_out_via", via[:50])
            newly.append(channel)
    return newly


def contact_opt_in_sms(contact: Contact, *, via: str) -> bool:
    """START/UNSTOP: the patient asked for texts again (their own word, so it may clear
    an opt-out; an import never does)."""
    changed = Contact.objects.filter(pk=contact.pk, sms_opt_out_at__isnull=False).update(
        sms_opt_out_at=None, sms_opt_out_via="", updated_at=timezone.now()
    )
    contact.sms_opt_out_at, contact.sms_opt_out_via = None, ""
    return bool(changed)


def contact_sms_unreachable(contact: Contact, reason: str) -> None:
    """The carrier says texts cannot reach this number; calls and email still may."""
    Contact.objects.filter(pk=contact.pk).update(
        sms_unreachable=reason[:120], updated_at=timezone.now()
    )
    contact.sms_unreachable = reason[:120]


def contact_phone_wrong(contact: Contact) -> None:
    """Someone else answers this number: no more calls or texts to it until it changes."""
    Contact.objects.filter(pk=contact.pk).update(
        phone_valid=False,
        sms_unreachable="wrong number (reported by staff)",
        updated_at=timezone.now(),
    )
    contact.phone_valid, contact.sms_unreachable = False, "wrong number (reported by staff)"
