"""The four story buckets (DESIGN §2), from a contact's last outcome.

A contact is stalled, and so in a bucket, unless it has an upcoming appointment, recent
activity (within the practice's ``recent_activity_days``) or do-not-contact. Campaigns add
their own exclusion ("already enrolled"); contacts does not know about campaigns.
The rules are written once, as a table, and used both in SQL (``bucket_expression``) and
for one contact in Python (``bucket_of``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When

from contacts.models import Bucket, Contact, LastOutcome
from reactivate.models import Practice

OUTCOME_BUCKET: dict[str, Bucket] = {
    LastOutcome.INQUIRY: Bucket.INQUIRY,
    LastOutcome.CANCELED: Bucket.SCHEDULING,
    LastOutcome.NO_SHOW: Bucket.SCHEDULING,
    LastOutcome.TREATMENT_PLAN: Bucket.CONSULTATION,
    LastOutcome.NOT_NOW: Bucket.NOT_NOW,
}


def _recent_since(practice: Practice, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=practice.recent_activity_days)


def not_stalled_q(practice: Practice, today: dt.date) -> Q:
    return (
        Q(do_not_contact=True)
        | Q(next_appointment__gte=today)
        | Q(last_activity__gt=_recent_since(practice, today))
    )


def bucket_expression(practice: Practice, today: dt.date) -> Case:
    whens = [When(not_stalled_q(practice, today), then=Value(None))]
    whens += [
        When(last_outcome=outcome, then=Value(bucket.value))
        for outcome, bucket in OUTCOME_BUCKET.items()
    ]
    return Case(*whens, default=Value(None), output_field=CharField())


def contacts_with_bucket(practice: Practice, today: dt.date) -> QuerySet[Contact]:
    return (
        Contact.objects.live()
        .filter(practice=practice)
        .annotate(bucket=bucket_expression(practice, today))
    )


def bucket_counts(practice: Practice, today: dt.date) -> dict[str, int]:
    """Stalled contacts per bucket, plus ``not_stalled``, in one query."""
    stalled = ~not_stalled_q(practice, today)
    aggregates = {
        bucket.value: Count("id", filter=stalled & Q(last_outcome__in=_outcomes_of(bucket)))
        for bucket in Bucket
    }
    counts = (
        Contact.objects.live().filter(practice=practice).aggregate(total=Count("id"), **aggregates)
    )
    counts["not_stalled"] = counts["total"] - sum(counts[b.value] for b in Bucket)
    return counts


def _outcomes_of(bucket: Bucket) -> list[str]:
    return [outcome for outcome, b in OUTCOME_BUCKET.items() if b == bucket]


def bucket_of(contact: Contact, practice: Practice, today: dt.date) -> Bucket | None:
    if contact.do_not_contact or contact.merged_into_id:
        return None
    if contact.next_appointment and contact.next_appointment >= today:
        return None
    if contact.last_activity and contact.last_activity > _recent_since(practice, today):
        return None
    return OUTCOME_BUCKET.get(contact.last_outcome)
