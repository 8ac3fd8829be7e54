"""Pacing a campaign's start to its coordinators' capacity (issue 15, point 26).

A campaign of 900 patients started with one coordinator put 900 Day 1 calls in one queue
on one day. The start page now says when Day 1 work exceeds what the chosen coordinators
can call in a day (``Membership.daily_calls``, 60 by default), and offers to spread the
patients' start over days.

Decision: every eligible patient is enrolled at the start, as before, and only their
start days are spread (``start_days``): ``per_day`` patients start each day, from the
campaign's first day on. A start day is the Day 1 of that patient's sequence, so every
touch is planned by the same ``scheduling.due_at`` as an unpaced start, in the practice's
days and the patient's sending window. We chose this over enrolling the next slice each
morning from a beat sweep because it keeps every existing rule by construction:

- one open enrollment per contact: the whole audience is enrolled (and so reserved) at
  once; a slice enrolled later could meet a patient another campaign took meanwhile;
- the holdout and opener variants are drawn once over the whole audience, in the asked
  shares, not per slice; held-out patients get start days spread in the same proportion,
  so each day's patients and their controls compare;
- no task is queued for day N: the dispatcher's beat pass and the work queue pick each
  touch up when it comes due, as they do for a campaign dated in the future.

The cost: eligibility is read once, at the start: a patient who books before their start
day is still enrolled, as for a campaign dated later.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.db.models import Sum

from campaigns.models import Campaign, Channel
from reactivate.models import Membership, Role


@dataclass(frozen=True)
class Capacity:
    """Day 1 work against the coordinators' daily calls."""

    patients: int  # contacted (not held out)
    calls_per_patient: int  # the sequence's Day 1 call steps
    daily_calls: int  # of the coordinators who work the campaign
    coordinators: int

    @property
    def day_one_calls(self) -> int:
        return self.patients * self.calls_per_patient

    @property
    def exceeded(self) -> bool:
        return self.day_one_calls > self.daily_calls

    @property
    def per_day(self) -> int:
        """Patients who can start each day with their Day 1 calls made that day."""
        if not self.calls_per_patient:
            return max(self.patients, 1)
        return max(1, self.daily_calls // self.calls_per_patient)

    @property
    def days(self) -> int:
        return max(1, math.ceil(self.patients / self.per_day))


def _coordinator_ids(campaign: Campaign) -> list[int]:
    """Who works the campaign's patients: the chosen coordinators (only the first for
    "one coordinator", as ``lifecycle._coordinator_cycle``), else the whole shared pool's
    coordinators and admins."""
    chosen = list(campaign.coordinators.order_by("pk").values_list("pk", flat=True))
    if chosen:
        return chosen[:1] if campaign.assignment == "one" else chosen
    return list(
        Membership.objects.filter(
            practice=campaign.practice, role__in=[Role.COORDINATOR, Role.ADMIN]
        ).values_list("user_id", flat=True)
    )


def capacity(campaign: Campaign, patients: int) -> Capacity:
    """``patients``: how many the start would contact (the audience less the holdout)."""
    ids = _coordinator_ids(campaign)
    daily = (
        Membership.objects.filter(practice=campaign.practice, user_id__in=ids).aggregate(
            calls=Sum("daily_calls")
        )["calls"]
        or 0
    )
    calls = campaign.sequence.steps.filter(day=1, channel=Channel.CALL).count()
    return Capacity(
        patients=patients, calls_per_patient=calls, daily_calls=daily, coordinators=len(ids)
    )


def start_days(
    held: int, treated: int, first_day: dt.date, per_day: int, rng: random.Random
) -> tuple[list[dt.date], list[dt.date]]:
    """Start days for ``held`` held-out and ``treated`` contacted patients: ``per_day``
    contacted patients a day from ``first_day``, the held-out spread over the same days in
    proportion.

    Drawn in random order (``rng``): the opener variants are contiguous runs of the
    treated list, and days in list order would start all of variant A first, so a
    variant's results would measure its weekday.
    """
    per_day = max(1, per_day)
    treated_days = [first_day + dt.timedelta(days=i // per_day) for i in range(treated)]
    days = max(1, math.ceil(treated / per_day))
    held_days = [first_day + dt.timedelta(days=i * days // held) for i in range(held)]
    rng.shuffle(treated_days)
    rng.shuffle(held_days)
    return held_days, treated_days
