"""What the practice's schedule adds to the scoreboard (DESIGN §4; issue 16.5): whether a
source is connected and when it was last read, which scheduled and showed figures came from
the practice system and which were logged by coordinators, and the true lift of shows.

Where a source is connected, scheduled, showed and the show rate come from the schedule:
``schedule.effects`` writes its bookings, shows and no-shows into the outcome log
(``Outcome.source`` "practice_system"), where the scoreboard's definitions
(``scoreboard.selectors``) count them with the coordinators' entries. A coordinator's entry
still counts where no source says otherwise. Where both speak of one appointment's result,
the schedule's counts: a synced show or no-show corrects the coordinator's mark, and a
coordinator cannot mark over the schedule's (``campaigns.bookings``); the log keeps both.

Held-out patients are never contacted, so only the schedule reports their bookings and
shows: with a source connected, the control group's rates are measured, not zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from campaigns.models import OutcomeSource
from reactivate.models import Practice
from schedule.models import Source
from scoreboard.selectors import Scope

# --- The connection --------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleState:
    """The practice's enabled sources and their newest successful read."""

    names: tuple[str, ...]
    last_success_at: dt.datetime | None
    stale_days: int
    now: dt.datetime

    @property
    def connected(self) -> bool:
        return bool(self.names)

    @property
    def label(self) -> str:
        """What the page calls the source: its name when there is one."""
        return self.names[0] if len(self.names) == 1 else "the practice's schedule"

    @property
    def days_since(self) -> int | None:
        """Whole days since the newest successful read (None: never read)."""
        if self.last_success_at is None:
            return None
        return max((self.now - self.last_success_at).days, 0)

    @property
    def stale(self) -> bool:
        """A source is connected and its newest read is older than the practice's
        ``schedule_stale_days`` (or it was never read): bookings and shows since then are
        not counted yet, so scheduled and show figures may be low."""
        if not self.connected:
            return False
        if self.last_success_at is None:
            return True
        return self.now - self.last_success_at > dt.timedelta(days=self.stale_days)


def schedule_state(practice: Practice, now: dt.datetime | None = None) -> ScheduleState:
    """One query: the practice's enabled sources (a disabled one no longer says anything)."""
    rows = list(
        Source.objects.filter(practice=practice, enabled=True)
        .order_by("name")
        .values_list("name", "last_success_at")
    )
    successes = [at for _name, at in rows if at is not None]
    return ScheduleState(
        names=tuple(name for name, _at in rows),
        last_success_at=max(successes) if successes else None,
        stale_days=practice.schedule_stale_days,
        now=now or timezone.now(),
    )


# --- Which is which --------------------------------------------------------------------


@dataclass(frozen=True)
class SourceSplit:
    """The period's scheduled and showed enrollments (the scoreboard's counts) by who said
    so: the practice system, or a coordinator. An enrollment counts as synced when any of
    its effective entries of the stage in the period came from the schedule (the schedule
    confirmed what a coordinator logged), so synced + logged = the stage's count."""

    scheduled_synced: int = 0
    scheduled_logged: int = 0
    showed_synced: int = 0
    showed_logged: int = 0

    @property
    def any_synced(self) -> bool:
        return bool(self.scheduled_synced or self.showed_synced)


def source_split(scope: Scope) -> SourceSplit:
    """:class:`SourceSplit` of ``scope``, read live from the outcome log over the
    (practice, kind, at) index: one query over the period's scheduled and showed entries."""
    where, params = scope.enrollment_sql()
    params.update(
        starts=scope.starts_at, ends=scope.ends_at, synced=OutcomeSource.PRACTICE_SYSTEM.value
    )
    # Only constant SQL fragments are formatted in; every value is a parameter.
    sql = f"""
        WITH entries AS (
            SELECT o.enrollment_id, o.kind, bool_or(o.source = %(synced)s) AS synced
            FROM campaigns_outcome o
            JOIN campaigns_enrollment e ON e.id = o.enrollment_id
            WHERE o.practice_id = %(practice)s AND o.kind IN ('scheduled', 'showed')
              AND o.at >= %(starts)s AND o.at < %(ends)s
              AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = o.id)
              AND {where} AND NOT e.held_out
            GROUP BY 1, 2
        )
        SELECT kind, count(*) FILTER (WHERE synced), count(*) FILTER (WHERE NOT synced)
        FROM entries GROUP BY 1
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = {kind: (synced, logged) for kind, synced, logged in cursor.fetchall()}
    scheduled, showed = rows.get("scheduled", (0, 0)), rows.get("showed", (0, 0))
    return SourceSplit(*scheduled, *showed)
