"""The scoreboard's reference queries: every figure read live from the outcome log.

The dashboard reads rollups and facts that triggers keep (``scoreboard.models``); these
queries compute the same figures straight from ``campaigns.Outcome`` and
``campaigns.Enrollment`` as DESIGN §4 defines them. Nothing in the application reads
them: they are the oracle ``tests/scoreboard/test_rollups.py`` holds the rollups to, and
the scoreboard benchmark checks its rollups against them. (``revenue_at_stake_live`` stays
in ``scoreboard.selectors``: the dashboard narrowed to one campaign reads it.)
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from campaigns.models import Outcome, OutcomeKind
from reactivate.models import Practice
from scoreboard.lift import _LENGTHS, CampaignLift, _lifts
from scoreboard.selectors import (
    EPOCH,
    KIND_STAGES,
    LostReasons,
    Scope,
    Slice,
    _appointment_slices,
    _lost_reasons,
    revenue_at_stake_live,
)
from scoreboard.shows import appointments_to_mark
from scoreboard.stats import Lift

__all__ = [
    "appointment_slices_live",
    "appointments_waiting_live",
    "lost_reasons_live",
    "revenue_at_stake_live",
    "show_lift_live",
    "stage_slices_live",
    "true_lift_live",
]


_STAGE_MAP = ", ".join(
    f"('{kind.value}', '{stage}')" for kind, stages in KIND_STAGES.items() for stage in stages
)


def stage_slices_live(scope: Scope) -> list[Slice]:
    """The stage counts of ``scope``, grouped by week, campaign, bucket, coordinator and
    opener variant, read live from the outcome log (the reference for
    ``scoreboard.selectors.stage_slices``, which reads the rollups): one query. Each
    enrollment counts once per stage (its first effective outcome of the stage in the
    period); revenue is summed over the scheduled stage."""
    where, params = scope.enrollment_sql()
    params.update(starts=scope.starts_at, ends=scope.ends_at, zone=scope.zone)
    # Only constant SQL fragments are formatted in; every value is a parameter.
    sql = f"""
        WITH staged AS (
            SELECT o.enrollment_id, m.stage, min(o.at) AS at
            FROM campaigns_outcome o
            JOIN (VALUES {_STAGE_MAP}) AS m(kind, stage) ON m.kind = o.kind
            WHERE o.practice_id = %(practice)s AND o.enrollment_id IS NOT NULL
              AND o.at >= %(starts)s AND o.at < %(ends)s
              AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = o.id)
            GROUP BY o.enrollment_id, m.stage
        )
        SELECT s.stage, date_trunc('week', s.at AT TIME ZONE %(zone)s)::date AS week,
               e.campaign_id, e.bucket, e.coordinator_id, e.variant_id,
               count(*), coalesce(sum(ct.quoted_amount), 0)
        FROM staged s
        JOIN campaigns_enrollment e ON e.id = s.enrollment_id
        JOIN contacts_contact ct ON ct.id = e.contact_id
        WHERE {where} AND NOT e.held_out
        GROUP BY 1, 2, 3, 4, 5, 6
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    slices = []
    for stage, week, campaign_id, bucket, coordinator_id, variant_id, n, amount in rows:
        values = {stage: n}
        if stage == "scheduled":
            values["revenue_recovered"] = amount
        elif stage == "showed":
            values["showed_amount"] = amount
        slices.append(Slice(week, campaign_id, bucket, coordinator_id, variant_id, values))
    return slices + appointment_slices_live(scope)


def appointment_slices_live(scope: Scope, now: dt.datetime | None = None) -> list[Slice]:
    """Scheduled appointments dated in the period whose time has passed (the show rate's
    denominator), and how many of them showed: one query, grouped like ``stage_slices``
    (week = the appointment's week). A scheduled entry that was corrected is no
    appointment; the result is the enrollment's effective showed / no-show entry."""
    where, params = scope.enrollment_sql()
    now = now or timezone.now()
    params.update(starts=scope.starts_at, ends=min(scope.ends_at, now), zone=scope.zone, now=now)
    # Only constant SQL fragments are formatted in; every value is a parameter.
    sql = f"""
        SELECT date_trunc('week', e.appointment_at AT TIME ZONE %(zone)s)::date AS week,
               e.campaign_id, e.bucket, e.coordinator_id, e.variant_id,
               count(*),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM campaigns_outcome r
                   WHERE r.enrollment_id = e.id AND r.kind = 'showed'
                     AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = r.id)
               ))
        FROM campaigns_enrollment e
        WHERE {where} AND NOT e.held_out
          AND e.appointment_at >= %(starts)s AND e.appointment_at < %(ends)s
          AND EXISTS (
              SELECT 1 FROM campaigns_outcome s
              WHERE s.enrollment_id = e.id AND s.kind = 'scheduled'
                AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = s.id)
          )
        GROUP BY 1, 2, 3, 4, 5
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _appointment_slices(cursor.fetchall())


def lost_reasons_live(scope: Scope, recent: int = 6) -> LostReasons:
    """Effective went-elsewhere entries of the period by category, and the latest words."""

    entries = Outcome.objects.filter(
        scope.enrollment_q("enrollment__"),
        practice=scope.practice,
        kind=OutcomeKind.WENT_ELSEWHERE,
        at__gte=scope.starts_at,
        at__lt=scope.ends_at,
        enrollment__held_out=False,
    ).exclude(Exists(Outcome.objects.filter(corrects=OuterRef("pk"))))
    counts = dict(
        entries.values("reason_category")
        .annotate(n=Count("id"))
        .values_list("reason_category", "n")
    )
    words = list(entries.exclude(reason_text="").order_by("-at", "-id")[:recent])
    return _lost_reasons(counts, words)


def _lift_live(scope: Scope, booked_sql: str) -> tuple[Lift, list[CampaignLift]]:
    """Treated vs held-out enrollments that started in the period (campaigns with a
    holdout), counting those for which ``booked_sql`` holds: a condition over the
    ``cohort c`` (``closes_on``: the day the attribution window closes), its patient
    ``ct`` and ``effective``, the enrollments' effective scheduled and showed entries.
    Only constant SQL fragments are formatted in; every value is a parameter."""
    where, params = scope.enrollment_sql()
    params.update(
        start_day=scope.start or EPOCH,
        end_day=scope.end,
        window=scope.practice.attribution_window_days,
        zone=scope.zone,
    )
    sql = f"""
        WITH lengths AS ({_LENGTHS}),
        cohort AS (
            SELECT e.id, e.campaign_id, e.held_out, e.contact_id, e.start_day,
                   e.start_day + l.last_day + %(window)s AS closes_on
            FROM campaigns_enrollment e
            JOIN lengths l ON l.campaign_id = e.campaign_id
            WHERE {where} AND e.start_day >= %(start_day)s AND e.start_day <= %(end_day)s
        ),
        effective AS (
            SELECT o.enrollment_id, o.kind, o.at
            FROM campaigns_outcome o
            JOIN cohort c ON c.id = o.enrollment_id
            WHERE o.practice_id = %(practice)s AND o.kind IN ('scheduled', 'showed')
              AND NOT EXISTS (SELECT 1 FROM campaigns_outcome x WHERE x.corrects_id = o.id)
        )
        SELECT c.campaign_id, c.held_out, count(*), count(*) FILTER (WHERE {booked_sql})
        FROM cohort c
        JOIN contacts_contact ct ON ct.id = c.contact_id
        GROUP BY 1, 2
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _lifts(scope, cursor.fetchall())


# Booked within the window, by an effective entry or by the patient's own record.
_BOOKED = """
    (EXISTS (SELECT 1 FROM effective b WHERE b.enrollment_id = c.id
               AND b.at < (c.closes_on::timestamp AT TIME ZONE %(zone)s))
     OR (ct.last_outcome = 'scheduled' AND ct.last_activity >= c.start_day
         AND ct.last_activity < c.closes_on))
"""


def true_lift_live(scope: Scope) -> tuple[Lift, list[CampaignLift]]:
    """``scoreboard.lift.true_lift`` (its docstring states the rule), from the outcome log
    and the patients' records instead of the enrollment facts."""
    return _lift_live(scope, _BOOKED)


def show_lift_live(scope: Scope) -> tuple[Lift, list[CampaignLift]]:
    """``scoreboard.lift.show_lift`` from the outcome log: booked as for
    ``true_lift_live``, and an effective showed entry, whenever the appointment falls."""
    showed = "EXISTS (SELECT 1 FROM effective s WHERE s.enrollment_id = c.id AND s.kind = 'showed')"
    return _lift_live(scope, f"{showed} AND {_BOOKED}")


def appointments_waiting_live(practice: Practice, *, coordinator_id: int | None = None) -> int:
    """How many past or today's appointments have no result yet."""
    return appointments_to_mark(
        practice, coordinator_id=coordinator_id, unmarked_only=True, limit=None
    ).count()
