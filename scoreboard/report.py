"""The dashboard's contents, put together from ``scoreboard.selectors`` (reads only).

One :func:`scoreboard_report` call runs a fixed number of queries whatever the data: the
stage and appointment slices once, then every table, the weekly trend and the variants
are sums over those slices in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from scoreboard import lift as true_lift
from scoreboard import schedule_figures, selectors
from scoreboard.lift import CampaignLift
from scoreboard.schedule_figures import ScheduleState, SourceSplit
from scoreboard.selectors import AtStake, Counts, LostReasons, Scope
from scoreboard.stats import Lift

MAX_WEEKS = 26
# Until a practice has this much of its own data, the Growth Score uses assumptions.
MIN_CONTACTED = 50
MIN_APPOINTMENTS = 10


@dataclass(frozen=True)
class Assumptions:
    """Stated, editable assumptions for the Growth Score (used until measured)."""

    booked_rate: float = 0.10  # scheduled per contacted
    show_rate: float = 0.80
    average_value: Decimal = Decimal("1500")


@dataclass(frozen=True)
class Growth:
    """Practice Growth Score: what the stalled database is worth, in money."""

    at_stake: AtStake
    value_base: Decimal  # quoted amounts, plus the average value for unquoted patients
    booked_rate: float
    booked_measured: bool
    show_rate: float
    show_measured: bool
    average_value: Decimal
    average_measured: bool

    @property
    def score(self) -> Decimal:
        worth = self.value_base * Decimal(str(self.booked_rate)) * Decimal(str(self.show_rate))
        return worth.quantize(Decimal("1"))

    @property
    def measured(self) -> bool:
        return self.booked_measured and self.show_measured


def growth_score(counts: Counts, at_stake: AtStake, assumptions: Assumptions) -> Growth:
    """Stalled patients, times their quoted amounts, times the practice's own
    scheduled-per-contacted and show rates (measured over the chosen period once it has
    ``MIN_CONTACTED`` contacted and ``MIN_APPOINTMENTS`` past appointments; the stated
    assumptions until then). Patients
    without a quote are valued at the average quote of those with one, else the assumed
    average value."""
    booked_measured = counts.contacted >= MIN_CONTACTED
    show_measured = counts.appointments_due >= MIN_APPOINTMENTS
    average = at_stake.average_quote
    value_base = at_stake.amount + (at_stake.patients - at_stake.quoted) * (
        average or assumptions.average_value
    )
    return Growth(
        at_stake=at_stake,
        value_base=value_base,
        booked_rate=counts.scheduled_per_contacted if booked_measured else assumptions.booked_rate,
        booked_measured=booked_measured,
        show_rate=counts.show_rate if show_measured else assumptions.show_rate,
        show_measured=show_measured,
        average_value=average or assumptions.average_value,
        average_measured=average is not None,
    )


@dataclass(frozen=True)
class Row:
    label: str
    counts: Counts
    note: str = ""


@dataclass
class Report:
    scope: Scope
    totals: Counts
    weeks: list[tuple[dt.date, Counts]]
    by_bucket: list[Row]
    by_coordinator: list[Row]
    by_campaign: list[Row]
    variants: list[Row]
    lift: Lift
    lift_by_campaign: list[CampaignLift]
    show_lift: Lift  # the same cohorts' shows
    show_lift_by_campaign: list[CampaignLift]
    lost: LostReasons
    at_stake: AtStake
    growth: Growth
    schedule: ScheduleState
    sources: SourceSplit  # which scheduled and showed came from the practice system
    coordinators: dict[int, str] = field(default_factory=dict)
    campaigns: dict[int, str] = field(default_factory=dict)

    @property
    def funnel(self) -> list[tuple[str, int]]:
        return [(stage, getattr(self.totals, stage)) for stage in selectors.FUNNEL]


def _weeks(scope: Scope, found: dict[dt.date, Counts]) -> list[tuple[dt.date, Counts]]:
    last = scope.end - dt.timedelta(days=scope.end.weekday())
    first_day = scope.start or (min(found) if found else last)
    first = first_day - dt.timedelta(days=first_day.weekday())
    first = max(first, last - dt.timedelta(weeks=MAX_WEEKS - 1))
    weeks, week = [], first
    while week <= last:
        weeks.append((week, found.get(week, Counts())))
        week += dt.timedelta(weeks=1)
    return weeks


def scoreboard_report(
    scope: Scope,
    assumptions: Assumptions | None = None,
    *,
    campaigns: dict[int, str] | None = None,
    coordinators: dict[int, str] | None = None,
) -> Report:
    """Everything the dashboard shows for ``scope`` (pass the practice's campaign and
    coordinator names when already read)."""
    practice = scope.practice
    slices = selectors.stage_slices(scope)
    totals = selectors.total(slices)
    if coordinators is None:
        coordinators = selectors.coordinator_names(practice)
    if campaigns is None:
        campaigns = selectors.campaign_names(practice)
    variant_info = selectors.variant_labels(practice)

    by_bucket = selectors.grouped(slices, "bucket")
    by_coordinator = selectors.grouped(slices, "coordinator_id")
    by_campaign = selectors.grouped(slices, "campaign_id")
    by_variant = selectors.grouped(slices, "variant_id")
    lift, lift_by_campaign = true_lift.true_lift(scope)
    show_lift, show_lift_by_campaign = true_lift.show_lift(scope)
    at_stake = selectors.revenue_at_stake(scope)
    return Report(
        scope=scope,
        totals=totals,
        weeks=_weeks(scope, selectors.grouped(slices, "week")),
        by_bucket=[
            Row(label, by_bucket[key])
            for key, label in selectors.BUCKET_LABELS.items()
            if key in by_bucket
        ],
        by_coordinator=sorted(
            (
                Row(coordinators.get(pk, "Former member") if pk else "Unassigned", counts)
                for pk, counts in by_coordinator.items()
            ),
            key=lambda row: row.label,
        ),
        by_campaign=sorted(
            (Row(campaigns.get(pk, f"Campaign {pk}"), c) for pk, c in by_campaign.items()),
            key=lambda row: row.label,
        ),
        variants=sorted(
            (
                Row(
                    f"{campaigns.get(variant_info[pk][0], '')} · opener {variant_info[pk][1]}",
                    counts,
                    note=variant_info[pk][2] or "the sequence's own opener",
                )
                for pk, counts in by_variant.items()
                if pk is not None and pk in variant_info
            ),
            key=lambda row: row.label,
        ),
        lift=lift,
        lift_by_campaign=lift_by_campaign,
        show_lift=show_lift,
        show_lift_by_campaign=show_lift_by_campaign,
        lost=selectors.lost_reasons(scope),
        at_stake=at_stake,
        growth=growth_score(totals, at_stake, assumptions or Assumptions()),
        schedule=schedule_figures.schedule_state(practice),
        sources=schedule_figures.source_split(scope),
        coordinators=coordinators,
        campaigns=campaigns,
    )


def command_summary(counts: Counts, at_stake: AtStake) -> dict:
    """The DESIGN §7 ``scoreboard --json`` object (rates rounded to 4 places, None when
    their denominator is 0; money as numbers with cents)."""

    def r(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    return {
        "contacted": counts.contacted,
        "reached": counts.reached,
        "replied": counts.replied,
        "qualified": counts.qualified,
        "scheduled": counts.scheduled,
        "showed": counts.showed,
        "decisions": counts.decisions,
        "reply_rate": r(counts.reply_rate),
        "qualification_rate": r(counts.qualification_rate),
        "scheduled_rate": r(counts.scheduled_rate),
        "show_rate": r(counts.show_rate),
        "decision_rate": r(counts.decision_rate),
        "revenue_recovered": float(counts.revenue_recovered),
        "revenue_at_stake": float(at_stake.amount),
    }
