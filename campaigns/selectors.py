"""Reads for campaigns: who a campaign would enroll and why others are left out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from campaigns.models import OPEN_STATES, Campaign, Enrollment, State
from contacts.models import Bucket, Contact, callable_q, emailable_q, textable_q
from contacts.segments import OUTCOME_BUCKET, bucket_expression
from reactivate.models import Practice

# Exclusions in the order they are reported: a patient is counted under the first that
# applies, so the numbers add up to the audience.
EXCLUSIONS: tuple[tuple[str, str], ...] = (
    ("do_not_contact", "Do not contact"),
    ("upcoming_appointment", "Upcoming appointment"),
    ("recent_activity", "Recent activity"),
    ("open_enrollment", "Already in an open enrollment"),
    ("no_valid_channel", "No valid phone or email"),
)


def _exclusion_q(practice: Practice, today: dt.date) -> dict[str, Q]:
    recent_since = today - dt.timedelta(days=practice.recent_activity_days)
    return {
        "do_not_contact": Q(do_not_contact=True),
        "upcoming_appointment": Q(next_appointment__gte=today),
        "recent_activity": Q(last_activity__gt=recent_since),
        "open_enrollment": Q(has_open_enrollment=True),
        "no_valid_channel": ~(textable_q() | callable_q() | emailable_q()),
    }


def _outcomes(buckets: list[str]) -> list[str]:
    return [outcome for outcome, bucket in OUTCOME_BUCKET.items() if bucket in buckets]


def audience(practice: Practice, buckets: list[str] | None, filters: dict) -> QuerySet[Contact]:
    """Every live contact whose story is in ``buckets`` (None: any), before exclusions."""
    contacts = Contact.objects.live().filter(practice=practice)
    if buckets is not None:
        contacts = contacts.filter(last_outcome__in=_outcomes(buckets))
    if filters.get("last_outcome"):
        contacts = contacts.filter(last_outcome__in=filters["last_outcome"])
    if filters.get("coordinator"):
        contacts = contacts.filter(assigned_to_id=filters["coordinator"])
    if filters.get("textable"):
        contacts = contacts.filter(textable_q())
    open_enrollment = Enrollment.objects.filter(
        contact=OuterRef("pk"), state__in=[s.value for s in OPEN_STATES]
    )
    return contacts.annotate(has_open_enrollment=Exists(open_enrollment))


@dataclass(frozen=True)
class AudiencePreview:
    eligible: int
    excluded: dict[str, int]
    by_bucket: dict[str, int]

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())

    def excluded_rows(self) -> list[tuple[str, str, int]]:
        return [(key, label, self.excluded[key]) for key, label in EXCLUSIONS]

    def split(self, holdout_percent: int) -> tuple[int, int]:
        """(contacted, held out) of the eligible: the draw ``campaign_start`` makes."""
        held_out = round(self.eligible * (holdout_percent or 0) / 100)
        return self.eligible - held_out, held_out


def audience_preview(
    practice: Practice, buckets: list[str], filters: dict, today: dt.date
) -> AudiencePreview:
    """How many a campaign would enroll, and how many are left out by reason: one query."""
    rules = _exclusion_q(practice, today)
    counts, earlier = {}, None
    for key, _label in EXCLUSIONS:
        # Aggregate names must not shadow fields (do_not_contact is both).
        counts[f"x_{key}"] = Count(
            "id", filter=rules[key] if earlier is None else rules[key] & ~earlier
        )
        earlier = rules[key] if earlier is None else earlier | rules[key]
    eligible = ~earlier
    for bucket in Bucket:
        counts[f"bucket_{bucket.value}"] = Count(
            "id", filter=eligible & Q(last_outcome__in=_outcomes([bucket.value]))
        )
    result = audience(practice, buckets, filters).aggregate(total=Count("id"), **counts)
    excluded = {key: result[f"x_{key}"] for key, _label in EXCLUSIONS}
    return AudiencePreview(
        eligible=result["total"] - sum(excluded.values()),
        excluded=excluded,
        by_bucket={b.value: result[f"bucket_{b.value}"] for b in Bucket},
    )


def eligible_contacts(
    practice: Practice, buckets: list[str] | None, filters: dict, today: dt.date
) -> QuerySet[Contact]:
    excluded = Q()
    for rule in _exclusion_q(practice, today).values():
        excluded |= rule
    return (
        audience(practice, buckets, filters)
        .exclude(excluded)
        .annotate(bucket=bucket_expression(practice, today))
    )


# A campaign's counts, the same on the list, the detail page and the flash after starting.
# Held-out patients are enrolled to measure lift but never contacted: they are counted on
# their own, never as enrolled, open ("Active") or scheduled.
_CONTACTED = Q(enrollments__held_out=False)
CAMPAIGN_COUNTS = {
    "enrolled": Count("enrollments", filter=_CONTACTED),
    "open": Count("enrollments", filter=_CONTACTED & Q(enrollments__state__in=OPEN_STATES)),
    "held_out": Count("enrollments", filter=Q(enrollments__held_out=True)),
    "scheduled": Count("enrollments", filter=_CONTACTED & Q(enrollments__state=State.SCHEDULED)),
}


def campaigns_with_counts(practice: Practice) -> QuerySet[Campaign]:
    """The practice's campaigns, newest first, each with ``CAMPAIGN_COUNTS``.

    The order is named here: Django drops ``Meta.ordering`` from a query with GROUP BY.
    """
    return (
        Campaign.objects.filter(practice=practice)
        .select_related("sequence")
        .annotate(**CAMPAIGN_COUNTS)
        .order_by("-created_at", "-pk")
    )


def state_counts(campaign: Campaign) -> dict[str, int]:
    """The contacted patients (not the held out) by state."""
    rows = campaign.enrollments.filter(held_out=False).values("state").annotate(n=Count("id"))
    counts = {state.value: 0 for state in State}
    counts.update({row["state"]: row["n"] for row in rows})
    return counts
