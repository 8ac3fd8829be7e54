"""Writes for a campaign's life: created as a draft, started (every eligible patient
enrolled, the holdout and opener variants drawn), then paused, resumed or stopped."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence as Seq

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns import pacing, selectors, tone
from campaigns.enrollments import enrollment_move, touches_skip
from campaigns.models import Campaign, CampaignStatus, OpenerVariant, Sequence, State
from campaigns.planning import CHUNK, enrollments_create
from campaigns.sequences import sequence_default_ensure
from contacts.models import Bucket, Contact
from reactivate.models import Practice


@transaction.atomic
def campaign_create(
    *,
    practice: Practice,
    name: str,
    buckets: list[str],
    start_date: dt.date,
    user=None,
    filters: dict | None = None,
    holdout_percent: int = 0,
    coordinators: Seq = (),
    assignment: str = "round_robin",
    variants: Seq[tuple[int, str]] = (),
    sequence: Sequence | None = None,
) -> Campaign:
    """A draft campaign. ``variants`` are (share, opener body) pairs, two or three of them."""
    unknown = set(buckets) - set(Bucket.values)
    if not buckets or unknown:
        raise ValidationError(f"Choose buckets among {', '.join(Bucket.values)}.")
    if variants and not 2 <= len(variants) <= 3:
        raise ValidationError("Split an opener into two or three variants.")
    for _share, body in variants:
        if body and tone.blocking(tone.tone_check(body)):
            raise ValidationError("An opener variant has unknown placeholders.")
    campaign = Campaign.objects.create(
        practice=practice,
        name=name,
        sequence=sequence or sequence_default_ensure(practice),
        buckets=sorted(buckets),
        filters=filters or {},
        holdout_percent=holdout_percent,
        assignment=assignment,
        start_date=start_date,
        created_by=user,
    )
    campaign.coordinators.set(coordinators)
    OpenerVariant.objects.bulk_create(
        OpenerVariant(campaign=campaign, label="ABC"[i], share=share, body=body)
        for i, (share, body) in enumerate(variants)
    )
    return campaign


def split_exact(items: list, shares: Seq[int]) -> list[list]:
    """Cut ``items`` into parts proportional to ``shares`` (largest remainder)."""
    total, n = sum(shares), len(items)
    sizes = [n * share // total for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (n * shares[i]) % total, reverse=True)
    for i in by_remainder[: n - sum(sizes)]:
        sizes[i] += 1
    parts, start = [], 0
    for size in sizes:
        parts.append(items[start : start + size])
        start += size
    return parts


def _coordinator_cycle(campaign: Campaign) -> list[int]:
    ids = list(campaign.coordinators.order_by("pk").values_list("pk", flat=True))
    return ids[:1] if campaign.assignment == "one" else ids


@transaction.atomic
def campaign_start(
    campaign: Campaign, *, today: dt.date | None = None, per_day: int | None = None
) -> dict:
    """Enroll every eligible patient and plan their touches; returns what happened.

    Held-out patients are enrolled (so lift can be measured) but get no touches. The
    opener variants and the holdout are drawn at random, in the exact asked shares.
    ``per_day``: start that many contacted patients a day (``campaigns.pacing``).
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError("This campaign has already started.")
    # The practice's today: the server's (UTC) is tomorrow on a New York evening, and
    # bookings made that evening would precede the enrollments and not count.
    today = today or campaign.practice.today()
    preview = selectors.audience_preview(
        campaign.practice, campaign.buckets, campaign.filters, today
    )
    eligible = selectors.eligible_contacts(
        campaign.practice, campaign.buckets, campaign.filters, today
    )
    rows = list(eligible.values_list("pk", "bucket", "assigned_to_id"))
    # Seeded per campaign: a fair draw that a re-run of the same campaign reproduces.
    rng = random.Random(f"campaign-{campaign.pk}")  # noqa: S311 (not for secrets)
    rng.shuffle(rows)
    n_held = round(len(rows) * campaign.holdout_percent / 100)
    held, treated = rows[:n_held], rows[n_held:]
    variants = list(campaign.variants.all())
    parts = split_exact(treated, [v.share for v in variants]) if variants else [treated]
    cycle = _coordinator_cycle(campaign)
    assign: dict[int, tuple[bool, OpenerVariant | None, int | None]] = {}
    for i, (pk, _bucket, assigned) in enumerate(held + treated):
        coordinator = assigned if assigned in cycle or not cycle else cycle[i % len(cycle)]
        assign[pk] = (i < n_held, None, coordinator)
    for variant, part in zip(variants, parts, strict=False):
        for pk, _bucket, _assigned in part:
            assign[pk] = (False, variant, assign[pk][2])
    bucket_of = {pk: bucket for pk, bucket, _ in rows}
    start_day = max(campaign.start_date, today)
    start_day_of = {}
    if per_day:
        held_days, treated_days = pacing.start_days(
            len(held), len(treated), start_day, per_day, rng
        )
        start_day_of = {
            pk: day
            for (pk, _b, _a), day in zip(held + treated, held_days + treated_days, strict=True)
        }
    ids = [pk for pk, _b, _a in rows]
    for i in range(0, len(ids), CHUNK):
        contacts = Contact.objects.filter(pk__in=ids[i : i + CHUNK]).order_by("pk")
        enrollments_create(campaign, contacts, assign, start_day, bucket_of, start_day_of)
    campaign.status, campaign.started_at = CampaignStatus.RUNNING, timezone.now()
    campaign.save(update_fields=["status", "started_at"])
    return {
        "enrolled": len(rows) - n_held,
        "held_out": n_held,
        "excluded": preview.excluded,
    }


@transaction.atomic
def campaign_set_status(campaign: Campaign, status: CampaignStatus) -> Campaign:
    """Pause, resume or stop. Stopping ends active enrollments and their planned touches;
    patients who replied stay with their coordinator."""
    allowed = {
        CampaignStatus.PAUSED: {CampaignStatus.RUNNING},
        CampaignStatus.RUNNING: {CampaignStatus.PAUSED},
        CampaignStatus.STOPPED: {CampaignStatus.RUNNING, CampaignStatus.PAUSED},
    }
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in allowed[status]:
        raise ValidationError(
            f"A {campaign.get_status_display().lower()} campaign cannot be "
            f"{CampaignStatus(status).label.lower()}."
        )
    campaign.status = status
    campaign.save(update_fields=["status"])
    if status == CampaignStatus.STOPPED:
        active = campaign.enrollments.filter(state=State.ACTIVE)
        touches_skip(active, "skipped: campaign stopped")
        for enrollment in active:
            enrollment_move(enrollment, State.COMPLETED, note="campaign stopped")
    return campaign
