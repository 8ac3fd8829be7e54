"""Reads of contacts, always within one practice."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from contacts.models import CandidateStatus, Contact, DuplicateCandidate, textable_q
from contacts.segments import contacts_with_bucket
from reactivate.models import Practice


def contact_list(
    practice: Practice,
    today: dt.date,
    *,
    bucket: str = "",
    last_outcome: str = "",
    do_not_contact: str = "",
    coordinator: str = "",
    textable: str = "",
    search: str = "",
) -> QuerySet[Contact]:
    qs = contacts_with_bucket(practice, today).select_related("assigned_to")
    if bucket == "none":
        qs = qs.filter(bucket__isnull=True)
    elif bucket:
        qs = qs.filter(bucket=bucket)
    if last_outcome:
        qs = qs.filter(last_outcome=last_outcome)
    if do_not_contact in ("yes", "no"):
        qs = qs.filter(do_not_contact=do_not_contact == "yes")
    if coordinator == "none":
        qs = qs.filter(assigned_to__isnull=True)
    elif coordinator.isdigit():
        qs = qs.filter(assigned_to_id=int(coordinator))
    if textable == "yes":
        qs = qs.filter(textable_q(), do_not_contact=False)
    elif textable == "no":
        qs = qs.exclude(textable_q() & Q(do_not_contact=False))
    if search:
        qs = qs.filter(_search_q(search))
    return qs


def contacts_selected(practice: Practice, contact_ids: list[int]) -> QuerySet[Contact]:
    """The practice's live contacts among ``contact_ids`` (a bulk action's selection), by name;
    ids of another practice's contacts find nothing."""
    return (
        Contact.objects.live()
        .filter(practice=practice, pk__in=contact_ids)
        .only("id", "first_name", "last_name", "do_not_contact")
        .order_by("last_name", "first_name", "pk")
    )


def _search_q(text: str) -> Q:
    """Every word must match a name start or the email; four or more digits match a phone."""
    words = text.split()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 4 and len(digits) >= len(text.replace(" ", "")) // 2:
        return Q(phone__contains=digits) | Q(phone_raw__contains=text.strip())
    query = Q()
    for word in words:
        query &= (
            Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(email__icontains=word.lower())
        )
    return query


def contact_get(practice: Practice, contact_id: int) -> Contact:
    return Contact.objects.select_related("assigned_to", "merged_into").get(
        practice=practice, pk=contact_id
    )


def open_candidates(practice: Practice) -> QuerySet[DuplicateCandidate]:
    return DuplicateCandidate.objects.filter(
        practice=practice, status=CandidateStatus.OPEN
    ).select_related("contact_a", "contact_b")
