"""Writes on contacts that people make from the pages (imports and merges live in
``importing`` and ``dedupe``)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from contacts import hygiene, phones
from contacts.models import Contact, OutcomeSynonym
from reactivate.models import Practice, Role


def contacts_assign(
    *, practice: Practice, contact_ids: list[int], coordinator_id: int | None
) -> int:
    """Assign contacts to a coordinator of the practice (or to nobody)."""
    if coordinator_id is not None and not _works_patients(practice, coordinator_id):
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


def contact_do_not_contact_set(contact: Contact, *, reason: str) -> bool:
    """Mark one patient do not contact, keeping why; True if newly set (a flag already set
    keeps its first reason). The reason is required: it is what the next person reads."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Give the reason: it is kept with the patient's record."})
    if len(reason) > DNC_REASON_MAX:
        limit = f"Keep the reason to {DNC_REASON_MAX} characters (this one is {len(reason)})."
        raise ValidationError({"reason": limit})
    marked = Contact.objects.filter(pk=contact.pk, do_not_contact=False).update(
        do_not_contact=True, do_not_contact_reason=reason, updated_at=timezone.now()
    )
    if marked:
        contact.do_not_contact, contact.do_not_contact_reason = True, reason
    return bool(marked)


def contact_do_not_contact_clear(contact: Contact, *, set_with: str) -> bool:
    """Clear the do-not-contact flag if it is still the one set with reason ``set_with``
    (conditional: a flag set since, for another reason, stays). True if cleared."""
    cleared = Contact.objects.filter(
        pk=contact.pk, do_not_contact=True, do_not_contact_reason=set_with
    ).update(do_not_contact=False, do_not_contact_reason="", updated_at=timezone.now())
    if cleared:
        contact.do_not_contact, contact.do_not_contact_reason = False, ""
    return bool(cleared)


DNC_REASON_MAX = Contact._meta.get_field("do_not_contact_reason").max_length


@transaction.atomic
def contact_update(
    contact: Contact,
    *,
    practice: Practice,
    phone: str,
    email: str,
    notes: str,
    coordinator_id: int | None,
) -> list[str]:
    """Save what a person typed on the contact page; returns the names of the fields that
    changed. Phone and email are cleaned exactly as an import cleans them; a number or
    address that cannot be used is refused (ValidationError per field), not saved half-valid:
    unlike an import, the person who typed it is here to correct it."""
    errors: dict[str, str] = {}
    changes: dict[str, object] = {}
    phone = phone.strip()
    if phone != (contact.phone_raw or contact.phone):
        result = phones.phone_normalize(
            phone, country=practice.country, area_code=practice.default_area_code
        )
        if phone and not result.valid:
            errors["phone"] = f"{phone!r} is not a phone number we can dial ({result.problem})."
        else:
            changes.update(
                phone_raw=result.raw[:100],
                phone=result.e164,
                phone_extension=result.extension[:10],
                phone_valid=result.valid,
                # A new number: what the carrier said of the old one no longer holds.
                sms_unreachable="",
                time_zone=result.time_zone or contact.time_zone,
            )
    email = email.strip()
    if email != (contact.email_raw or contact.email):
        result = hygiene.email_normalize(email)
        if email and not result.valid:
            errors["email"] = f"{email!r} is not an email address we can write to."
        else:
            changes.update(
                email_raw=result.raw[:254], email=result.normalized[:254], email_valid=result.valid
            )
    if notes != contact.notes:
        changes["notes"] = notes
    if coordinator_id != contact.assigned_to_id:
        if coordinator_id is not None and not _works_patients(practice, coordinator_id):
            errors["assigned_to"] = "Choose a coordinator of this practice."
        changes["assigned_to_id"] = coordinator_id
    if errors:
        raise ValidationError(errors)
    for name, value in changes.items():
        setattr(contact, name, value)
    if changes:
        contact.save(update_fields=[*changes, "updated_at"])
    return sorted({_FIELD_OF.get(name, name) for name in changes})


# The fields a person edits, as the audit log names them.
_FIELD_OF = {
    "phone_raw": "phone",
    "phone_extension": "phone",
    "phone_valid": "phone",
    "sms_unreachable": "phone",
    "time_zone": "phone",
    "email_raw": "email",
    "email_valid": "email",
    "assigned_to_id": "assigned_to",
}


def _works_patients(practice: Practice, user_id: int) -> bool:
    return (
        get_user_model()
        .objects.filter(
            pk=user_id,
            memberships__practice=practice,
            memberships__role__in=[Role.COORDINATOR, Role.ADMIN],
        )
        .exists()
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


def contacts_schedule_apply(
    practice_id: int, stories: dict[int, tuple[str | None, dt.date | None, dt.date | None]]
) -> None:
    """What the practice's schedule says of its patients, for each contact id: the last
    outcome it now stands for (None: leave it), the day of that news (last activity,
    never moved back) and the day of the next booking still to come (None: none). One
    statement, whatever the number of patients. Segmentation then treats a booked patient
    as not stalled, and the send guard never contacts them."""
    if not stories:
        return
    ids, outcomes, days, nexts = [], [], [], []
    for contact_id, (outcome, day, next_day) in stories.items():
        ids.append(contact_id)
        outcomes.append(outcome)
        days.append(day)
        nexts.append(next_day)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE contacts_contact c
            SET last_outcome = coalesce(s.outcome, c.last_outcome),
                last_activity = greatest(c.last_activity, s.day),
                next_appointment = s.next_day,
                updated_at = %s
            FROM unnest(%s::bigint[], %s::text[], %s::date[], %s::date[])
                AS s(id, outcome, day, next_day)
            WHERE c.id = s.id AND c.practice_id = %s
            """,
            [timezone.now(), ids, outcomes, days, nexts, practice_id],
        )
