"""True lift (DESIGN §4): treated vs held-out patients of the campaigns with a holdout,
booked and showed, with the difference's 95% interval (``scoreboard.stats.Lift``).

The dashboard reads the enrollment facts (``scoreboard.models.EnrollmentFact``, kept by
triggers); ``tests/scoreboard/oracle.py`` holds the reference queries over the outcome log
and ``tests/scoreboard/test_rollups.py`` proves them equal.

Held-out patients are never contacted, so their bookings and shows come from the practice's
schedule (``schedule.effects`` attributes them like the treated patients'): without a
connected source the control group's rates read low, and the lift high.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from campaigns.models import Campaign
from scoreboard.selectors import EPOCH, Scope
from scoreboard.stats import Lift


@dataclass(frozen=True)
class CampaignLift:
    campaign_id: int
    name: str
    lift: Lift


_LENGTHS = """
    SELECT k.id AS campaign_id, coalesce(max(st.day), 1) AS last_day
    FROM campaigns_campaign k
    LEFT JOIN campaigns_step st ON st.sequence_id = k.sequence_id
    WHERE k.practice_id = %(practice)s AND k.holdout_percent > 0
    GROUP BY k.id
"""


def true_lift(scope: Scope) -> tuple[Lift, list[CampaignLift]]:
    """Scheduled rate of treated vs held-out enrollments, over campaigns with a holdout
    whose enrollments started in the period (overall, and per campaign).

    Intent to treat: every treated enrollment counts, contacted or not. An enrollment is
    *booked* when, before its attribution window closes — the practice's
    ``attribution_window_days`` after its last planned touch (the sequence's last day,
    counted from the enrollment's start; the same date for held-out patients, who get no
    touches) — it has an effective scheduled or showed entry, or its patient's own record
    says they booked on their own (last outcome "scheduled" with last activity from the
    start day until the window closes, as an EMR import would record it). The same rule
    applies to both arms.

    Read from the enrollment facts (``lift_offset``: the days from the start day to the
    first booking, either way): one query and the names."""
    return _cohort_lift(scope, "TRUE")


# What an arm counts, over the facts ``f`` and the campaign lengths ``l``: only these
# constant fragments are formatted into the query.
_BOOKED_IN_WINDOW = "f.lift_offset < l.last_day + %(window)s"


def _cohort_lift(scope: Scope, also: str) -> tuple[Lift, list[CampaignLift]]:
    """Treated vs held-out enrollments that started in the period (campaigns with a
    holdout), counting those booked within their window for which ``also`` holds."""
    where, params = scope.enrollment_sql("f")
    params.update(
        start_day=scope.start or EPOCH,
        end_day=scope.end,
        window=scope.practice.attribution_window_days,
    )
    sql = f"""
        WITH lengths AS ({_LENGTHS})
        SELECT f.campaign_id, f.held_out, count(*),
               count(*) FILTER (WHERE {also} AND {_BOOKED_IN_WINDOW})
        FROM scoreboard_enrollmentfact f
        JOIN lengths l ON l.campaign_id = f.campaign_id
        WHERE {where} AND f.start_day >= %(start_day)s AND f.start_day <= %(end_day)s
        GROUP BY 1, 2
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _lifts(scope, cursor.fetchall())


def _lifts(scope: Scope, rows) -> tuple[Lift, list[CampaignLift]]:
    arms: dict[int, dict[bool, tuple[int, int]]] = defaultdict(dict)
    for campaign_id, held_out, n, booked in rows:
        arms[campaign_id][held_out] = (n, booked)
    names = dict(
        Campaign.objects.filter(practice=scope.practice, pk__in=arms).values_list("pk", "name")
    )

    def lift_of(parts: Iterable[dict[bool, tuple[int, int]]]) -> Lift:
        t_n = t_b = h_n = h_b = 0
        for part in parts:
            t_n += part.get(False, (0, 0))[0]
            t_b += part.get(False, (0, 0))[1]
            h_n += part.get(True, (0, 0))[0]
            h_b += part.get(True, (0, 0))[1]
        return Lift(t_n, t_b, h_n, h_b)

    per_campaign = [
        CampaignLift(pk, names.get(pk, f"Campaign {pk}"), lift_of([arms[pk]]))
        for pk in sorted(arms, key=lambda pk: names.get(pk, ""))
    ]
    return lift_of(arms.values()), per_campaign


def show_lift(scope: Scope) -> tuple[Lift, list[CampaignLift]]:
    """Show rate of treated vs held-out enrollments: the cohort of :func:`true_lift`. An
    enrollment *showed* when it counts as booked for the lift (within its attribution
    window) and has an effective showed entry — whenever the appointment falls, since a
    booking inside the window may be for a day after it. Over the enrollment facts: one
    query and the names."""
    return _cohort_lift(scope, "f.showed")
