"""The scoreboard's definitions (DESIGN §4), as reads over the outcome log.

Every number here is computed from ``campaigns.Outcome`` and ``campaigns.Enrollment`` of
one practice, for a :class:`Scope`: a period (in the practice's time zone) and optionally
one campaign, bucket or coordinator. Views, exports and the ``scoreboard`` command all call
these functions; nothing is counted anywhere else.

How outcomes are counted
    * Only *effective* outcomes count: an entry that a later entry ``corrects`` (a
      correction, or an undo) is replaced by it and no longer counts.
    * An outcome counts in the period its own time (``at``) falls in. A correction counts
      when it was recorded.
    * Each enrollment counts at most once per stage and period (at its first effective
      outcome of that stage in the period), so weeks, buckets and coordinators add up to
      the period's totals.
    * Held-out enrollments (never contacted, kept for true lift) are left out of every
      number except :func:`true_lift`.

The stages
    contacted
        at least one touch sent or call attempted: the dispatcher's ``contacted`` entry on
        the first send, or a call result (no answer, left voicemail, reached, wrong number).
    reached, replied, qualified, scheduled, showed, no-show
        the entry of that kind (reached also counts as contacted).
    decisions
        enrollments with a decision: yes (scheduled), no (not a fit, went elsewhere, closed
        their file: opted out or asked not to be contacted) or not now (not now, later /
        nurture).

The rates (None when the denominator is 0; pages show "—")
    reply rate = replied / contacted; qualification rate = qualified / replied;
    scheduled rate = scheduled / qualified (also scheduled / contacted);
    show rate = showed / scheduled appointments whose time has passed, for appointments
    dated in the period; decision rate = decisions / contacted.

Revenue
    recovered = the quoted amounts of patients scheduled in the period (those who then
    showed included; see ``showed_amount``); at stake = the quoted amounts of patients
    still stalled now (in a bucket, without a decided enrollment).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from campaigns.models import Campaign, Enrollment, OpenerVariant, Outcome, OutcomeKind, State
from contacts.models import Bucket, Contact
from contacts.segments import OUTCOME_BUCKET, not_stalled_q
from reactivate.models import Membership, Practice
from scoreboard.models import EnrollmentFact, LostFact, RollupRebuild
from scoreboard.stats import Lift, rate

EPOCH = dt.date(2000, 1, 1)

# Which stages each outcome kind stands for.
KIND_STAGES: dict[str, tuple[str, ...]] = {
    OutcomeKind.CONTACTED: ("contacted",),
    OutcomeKind.NO_ANSWER: ("contacted",),
    OutcomeKind.LEFT_VOICEMAIL: ("contacted",),
    OutcomeKind.WRONG_NUMBER: ("contacted",),
    OutcomeKind.REACHED: ("contacted", "reached"),
    OutcomeKind.REPLIED: ("replied",),
    OutcomeKind.QUALIFIED: ("qualified",),
    OutcomeKind.SCHEDULED: ("scheduled", "decisions"),
    OutcomeKind.SHOWED: ("showed",),
    OutcomeKind.NO_SHOW: ("no_show",),
    OutcomeKind.NOT_A_FIT: ("not_a_fit", "decisions"),
    OutcomeKind.WENT_ELSEWHERE: ("went_elsewhere", "decisions"),
    OutcomeKind.OPTED_OUT: ("closed_file", "decisions"),
    OutcomeKind.DO_NOT_CONTACT: ("closed_file", "decisions"),
    OutcomeKind.NOT_NOW: ("not_now", "decisions"),
    OutcomeKind.NURTURE: ("not_now", "decisions"),
}
FUNNEL = ("contacted", "reached", "replied", "qualified", "scheduled", "showed")
DECIDED_STATES = (State.SCHEDULED, State.CLOSED_NOT_FIT, State.CLOSED_ELSEWHERE, State.OPTED_OUT)
BOOKED_KINDS = (OutcomeKind.SCHEDULED, OutcomeKind.SHOWED)


# --- Scope -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What to count: a practice, a period of days (inclusive, in the practice's time
    zone; ``start`` None = since the first entry) and optional narrowing."""

    practice: Practice
    start: dt.date | None
    end: dt.date
    campaign_id: int | None = None
    bucket: str | None = None
    coordinator_id: int | None = None

    @property
    def zone(self) -> str:
        return str(self.practice.time_zone)

    def _midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.practice.time_zone)

    @property
    def starts_at(self) -> dt.datetime:
        return self._midnight(self.start or EPOCH)

    @property
    def ends_at(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return self._midnight(self.end + dt.timedelta(days=1))

    def enrollment_sql(self, alias: str = "e") -> tuple[str, dict]:
        """SQL conditions (and their parameters) narrowing enrollments to this scope."""
        sql = [f"{alias}.practice_id = %(practice)s"]
        params: dict = {"practice": self.practice.pk}
        for name in ("campaign_id", "bucket", "coordinator_id"):
            value = getattr(self, name)
            if value is not None:
                sql.append(f"{alias}.{name} = %({name})s")
                params[name] = value
        return " AND ".join(sql), params

    def enrollment_q(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}practice": self.practice})
        for name in ("campaign_id", "bucket", "coordinator_id"):
            value = getattr(self, name)
            if value is not None:
                q &= Q(**{f"{prefix}{name}": value})
        return q


def scope_for(
    practice: Practice,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    campaign_id: int | None = None,
    bucket: str | None = None,
    coordinator_id: int | None = None,
) -> Scope:
    """A scope ending today (practice time) unless ``end`` is given."""
    end = end or timezone.localdate(timezone=practice.time_zone)
    return Scope(practice, start, end, campaign_id, bucket, coordinator_id)


# --- Counts ----------------------------------------------------------------------------


@dataclass
class Counts:
    """Counts of one slice of the scoreboard (the period, a week, a bucket...)."""

    contacted: int = 0
    reached: int = 0
    replied: int = 0
    qualified: int = 0
    scheduled: int = 0
    showed: int = 0
    no_show: int = 0
    decisions: int = 0
    not_a_fit: int = 0
    went_elsewhere: int = 0
    closed_file: int = 0
    not_now: int = 0
    appointments_due: int = 0
    appointments_showed: int = 0
    revenue_recovered: Decimal = field(default_factory=Decimal)
    showed_amount: Decimal = field(default_factory=Decimal)

    def add(self, other: Counts) -> None:
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def add_values(self, values: dict) -> None:
        for name, value in values.items():
            setattr(self, name, getattr(self, name) + value)

    @property
    def reply_rate(self) -> float | None:
        return rate(self.replied, self.contacted)

    @property
    def qualification_rate(self) -> float | None:
        return rate(self.qualified, self.replied)

    @property
    def scheduled_rate(self) -> float | None:
        return rate(self.scheduled, self.qualified)

    @property
    def scheduled_per_contacted(self) -> float | None:
        return rate(self.scheduled, self.contacted)

    @property
    def show_rate(self) -> float | None:
        return rate(self.appointments_showed, self.appointments_due)

    @property
    def decision_rate(self) -> float | None:
        return rate(self.decisions, self.contacted)

    @property
    def has_data(self) -> bool:
        return bool(self.contacted or self.decisions or self.appointments_due)


COUNT_FIELDS = tuple(f.name for f in fields(Counts))


@dataclass(frozen=True)
class Slice:
    """One grouped row of the base queries: where it belongs and what it counts (the
    non-zero ``Counts`` fields)."""

    week: dt.date
    campaign_id: int
    bucket: str
    coordinator_id: int | None
    variant_id: int | None
    values: dict

    @property
    def counts(self) -> Counts:
        return Counts(**self.values)


_STAGE_MAP = ", ".join(
    f"('{kind.value}', '{stage}')" for kind, stages in KIND_STAGES.items() for stage in stages
)


def stage_slices_live(scope: Scope) -> list[Slice]:
    """The stage counts of ``scope``, grouped by week, campaign, bucket, coordinator and
    opener variant, read live from the outcome log (the reference for
    :func:`stage_slices`, which reads the rollups): one query. Each enrollment counts
    once per stage (its first effective outcome of the stage in the period); revenue is
    summed over the scheduled stage."""
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


def _stage_slice(row) -> Slice:
    stage, week, campaign_id, bucket, coordinator_id, variant_id, n, amount = row
    values = {stage: n}
    if stage == "scheduled":
        values["revenue_recovered"] = amount
    elif stage == "showed":
        values["showed_amount"] = amount
    return Slice(week, campaign_id, bucket, coordinator_id, variant_id, values)


def stage_slices(scope: Scope) -> list[Slice]:
    """The stage counts of ``scope``, grouped by week, campaign, bucket, coordinator and
    opener variant: two queries over the rollups (``scoreboard.models``), equal to
    :func:`stage_slices_live`. An enrollment's stage days are kept with the day before
    (``prev_day``): it counts in the period on its first day in the period, the one whose
    previous day falls before the period."""
    where, params = scope.enrollment_sql("r")
    params.update(start=scope.start or EPOCH, end=scope.end)
    # Only constant SQL fragments are formatted in; every value is a parameter.
    sql = f"""
        SELECT r.stage, date_trunc('week', r.day::timestamp)::date AS week,
               r.campaign_id, r.bucket, r.coordinator_id, r.variant_id,
               sum(r.n)::int, sum(r.amount)
        FROM scoreboard_stagerollup r
        WHERE {where} AND r.day >= %(start)s AND r.day <= %(end)s
          AND (r.prev_day IS NULL OR r.prev_day < %(start)s)
        GROUP BY 1, 2, 3, 4, 5, 6
        HAVING sum(r.n) > 0
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_stage_slice(row) for row in rows] + appointment_slices(scope)


def _appointment_slices(rows) -> list[Slice]:
    return [
        Slice(
            week,
            campaign_id,
            bucket,
            coordinator_id,
            variant_id,
            {"appointments_due": due, "appointments_showed": showed},
        )
        for week, campaign_id, bucket, coordinator_id, variant_id, due, showed in rows
    ]


def appointment_slices(scope: Scope, now: dt.datetime | None = None) -> list[Slice]:
    """:func:`appointment_slices_live` over the enrollment facts: one query."""
    where, params = scope.enrollment_sql("f")
    now = now or timezone.now()
    params.update(starts=scope.starts_at, ends=min(scope.ends_at, now), zone=scope.zone)
    # Only constant SQL fragments are formatted in; every value is a parameter.
    sql = f"""
        SELECT date_trunc('week', f.appointment_at AT TIME ZONE %(zone)s)::date AS week,
               f.campaign_id, f.bucket, f.coordinator_id, f.variant_id,
               count(*), count(*) FILTER (WHERE f.showed)
        FROM scoreboard_enrollmentfact f
        WHERE {where} AND f.scheduled AND NOT f.held_out
          AND f.appointment_at >= %(starts)s AND f.appointment_at < %(ends)s
        GROUP BY 1, 2, 3, 4, 5
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _appointment_slices(cursor.fetchall())


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


def total(slices: Iterable[Slice]) -> Counts:
    return grouped(slices, None).get(None, Counts())


def grouped(slices: Iterable[Slice], key: str | None) -> dict:
    """Sum slices by one of their fields (week, campaign_id, bucket, coordinator_id,
    variant_id; None: all together)."""
    sums: dict = defaultdict(lambda: defaultdict(int))
    for s in slices:
        into = sums[getattr(s, key) if key else None]
        for name, value in s.values.items():
            into[name] += value
    return {group: Counts(**values) for group, values in sums.items()}


def stage_counts(scope: Scope) -> Counts:
    """Every count and rate of ``scope`` (two queries)."""
    return total(stage_slices(scope))


# --- One selector per definition (DESIGN §4) -------------------------------------------


def contacted(scope: Scope) -> int:
    """Enrollments with at least one touch sent or call attempted in the period."""
    return stage_counts(scope).contacted


def reached(scope: Scope) -> int:
    """Enrollments whose patient was reached on a call in the period."""
    return stage_counts(scope).reached


def replied(scope: Scope) -> int:
    """Enrollments whose patient replied in the period."""
    return stage_counts(scope).replied


def qualified(scope: Scope) -> int:
    """Enrollments re-qualified (soon and a fit) in the period."""
    return stage_counts(scope).qualified


def scheduled(scope: Scope) -> int:
    """Enrollments scheduled in the period."""
    return stage_counts(scope).scheduled


def showed(scope: Scope) -> int:
    """Enrollments whose patient was marked showed in the period."""
    return stage_counts(scope).showed


def decisions(scope: Scope) -> int:
    """Enrollments with a decision in the period: yes (scheduled), no (not a fit, went
    elsewhere, closed their file) or not now (not now, later)."""
    return stage_counts(scope).decisions


def reply_rate(scope: Scope) -> float | None:
    """replied / contacted."""
    return stage_counts(scope).reply_rate


def qualification_rate(scope: Scope) -> float | None:
    """qualified / replied."""
    return stage_counts(scope).qualification_rate


def scheduled_rate(scope: Scope) -> float | None:
    """scheduled / qualified (see :func:`scheduled_per_contacted` for the other view)."""
    return stage_counts(scope).scheduled_rate


def scheduled_per_contacted(scope: Scope) -> float | None:
    """scheduled / contacted."""
    return stage_counts(scope).scheduled_per_contacted


def show_rate(scope: Scope) -> float | None:
    """showed / scheduled appointments dated in the period whose time has passed."""
    return total(appointment_slices(scope)).show_rate


def decision_rate(scope: Scope) -> float | None:
    """decisions / contacted."""
    return stage_counts(scope).decision_rate


def revenue_recovered(scope: Scope) -> Decimal:
    """Quoted amounts of the patients scheduled in the period (those who showed
    included)."""
    return stage_counts(scope).revenue_recovered


@dataclass(frozen=True)
class AtStake:
    patients: int
    amount: Decimal
    quoted: int  # patients with a quoted amount

    @property
    def unquoted(self) -> int:
        return self.patients - self.quoted

    @property
    def average_quote(self) -> Decimal | None:
        return (self.amount / self.quoted).quantize(Decimal("0.01")) if self.quoted else None


def revenue_at_stake(scope: Scope) -> AtStake:
    """:func:`revenue_at_stake_live` over the stake rollup (one query); narrowed to one
    campaign's patients it reads live."""
    if scope.campaign_id is not None:
        return revenue_at_stake_live(scope)
    practice = scope.practice
    today = timezone.localdate(timezone=practice.time_zone)
    outcomes = list(OUTCOME_BUCKET)
    if scope.bucket:
        outcomes = [o for o, b in OUTCOME_BUCKET.items() if b == scope.bucket]
    params = {
        "practice": practice.pk,
        "outcomes": [str(o) for o in outcomes],
        "today": today,
        "since": today - dt.timedelta(days=practice.recent_activity_days),
        "coordinator": scope.coordinator_id,
    }
    sql = """
        SELECT coalesce(sum(n), 0)::int, sum(amount), coalesce(sum(quoted), 0)::int
        FROM scoreboard_stakerollup
        WHERE practice_id = %(practice)s AND last_outcome = ANY(%(outcomes)s)
          AND (next_appointment IS NULL OR next_appointment < %(today)s)
          AND (last_activity IS NULL OR last_activity <= %(since)s)
          AND (%(coordinator)s::bigint IS NULL OR assigned_to_id = %(coordinator)s::bigint)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        patients, amount, quoted = cursor.fetchone()
    return AtStake(patients, amount or Decimal(0), quoted)


def revenue_at_stake_live(scope: Scope) -> AtStake:
    """Patients still stalled now (in a bucket, and without a scheduled or closed
    enrollment) and their quoted amounts. Narrowed by bucket, by the coordinator they are
    assigned to, or to the patients of one campaign. Not bound to the period: it is what
    is at stake today."""
    today = timezone.localdate(timezone=scope.practice.time_zone)
    outcomes = list(OUTCOME_BUCKET)
    if scope.bucket:
        outcomes = [o for o, b in OUTCOME_BUCKET.items() if b == scope.bucket]
    decided = Enrollment.objects.filter(contact=OuterRef("pk"), state__in=DECIDED_STATES)
    contacts = (
        Contact.objects.live()
        .filter(practice=scope.practice, last_outcome__in=outcomes)
        .exclude(not_stalled_q(scope.practice, today))
        .exclude(Exists(decided))
    )
    if scope.coordinator_id is not None:
        contacts = contacts.filter(assigned_to_id=scope.coordinator_id)
    if scope.campaign_id is not None:
        contacts = contacts.filter(
            Exists(Enrollment.objects.filter(contact=OuterRef("pk"), campaign_id=scope.campaign_id))
        )
    result = contacts.aggregate(
        patients=Count("id"), amount=Sum("quoted_amount"), quoted=Count("quoted_amount")
    )
    return AtStake(result["patients"], result["amount"] or Decimal(0), result["quoted"])


# --- Lost reasons ----------------------------------------------------------------------


@dataclass(frozen=True)
class LostReasons:
    """Why patients went elsewhere ("what mattered most in that decision?")."""

    by_category: list[tuple[str, str, int]]  # (category, label, count), most first
    recent: list[Outcome]  # the latest words, for the owner to read

    @property
    def total(self) -> int:
        return sum(n for _c, _l, n in self.by_category)


def _lost_reasons(counts: dict, words: list[Outcome]) -> LostReasons:
    from campaigns.models import ElsewhereReason

    labels = dict(ElsewhereReason.choices)
    by_category = sorted(
        ((key, labels.get(key, "Not said"), n) for key, n in counts.items()),
        key=lambda row: (-row[2], row[1]),
    )
    return LostReasons(by_category, words)


def lost_reasons(scope: Scope, recent: int = 6) -> LostReasons:
    """:func:`lost_reasons_live` over the lost-reason facts: two queries."""
    narrowing = {
        name: getattr(scope, name)
        for name in ("campaign_id", "bucket", "coordinator_id")
        if getattr(scope, name) is not None
    }
    facts = LostFact.objects.filter(
        practice_id=scope.practice.pk, at__gte=scope.starts_at, at__lt=scope.ends_at, **narrowing
    )
    counts = dict(
        facts.values("reason_category").annotate(n=Count("pk")).values_list("reason_category", "n")
    )
    latest = facts.filter(has_words=True).order_by("-at", "-outcome_id").values("outcome_id")
    words = list(Outcome.objects.filter(pk__in=latest[:recent]).order_by("-at", "-id"))
    return _lost_reasons(counts, words)


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


# --- True lift -------------------------------------------------------------------------


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
    """:func:`true_lift_live` over the enrollment facts (``lift_offset``: the days from
    the start day to the first booking, either way): one query and the names."""
    where, params = scope.enrollment_sql("f")
    params.update(
        start_day=scope.start or EPOCH,
        end_day=scope.end,
        window=scope.practice.attribution_window_days,
    )
    # Only constant SQL fragments are formatted in; every value is a parameter.
    sql = f"""
        WITH lengths AS ({_LENGTHS})
        SELECT f.campaign_id, f.held_out, count(*),
               count(*) FILTER (WHERE f.lift_offset < l.last_day + %(window)s)
        FROM scoreboard_enrollmentfact f
        JOIN lengths l ON l.campaign_id = f.campaign_id
        WHERE {where} AND f.start_day >= %(start_day)s AND f.start_day <= %(end_day)s
        GROUP BY 1, 2
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _lifts(scope, cursor.fetchall())


def true_lift_live(scope: Scope) -> tuple[Lift, list[CampaignLift]]:
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
    """
    where, params = scope.enrollment_sql()
    params.update(
        start_day=scope.start or EPOCH,
        end_day=scope.end,
        window=scope.practice.attribution_window_days,
        zone=scope.zone,
    )
    # Only constant SQL fragments are formatted in; every value is a parameter.
    sql = f"""
        WITH lengths AS (
            SELECT k.id AS campaign_id, coalesce(max(st.day), 1) AS last_day
            FROM campaigns_campaign k
            LEFT JOIN campaigns_step st ON st.sequence_id = k.sequence_id
            WHERE k.practice_id = %(practice)s AND k.holdout_percent > 0
            GROUP BY k.id
        ),
        cohort AS (
            SELECT e.id, e.campaign_id, e.held_out, e.contact_id, e.start_day,
                   e.start_day + l.last_day + %(window)s AS closes_on
            FROM campaigns_enrollment e
            JOIN lengths l ON l.campaign_id = e.campaign_id
            WHERE {where} AND e.start_day >= %(start_day)s AND e.start_day <= %(end_day)s
        ),
        booked AS (
            SELECT DISTINCT o.enrollment_id
            FROM campaigns_outcome o
            JOIN cohort c ON c.id = o.enrollment_id
            WHERE o.practice_id = %(practice)s AND o.kind IN ('scheduled', 'showed')
              AND o.at < (c.closes_on::timestamp AT TIME ZONE %(zone)s)
              AND NOT EXISTS (SELECT 1 FROM campaigns_outcome x WHERE x.corrects_id = o.id)
        )
        SELECT c.campaign_id, c.held_out, count(*),
               count(*) FILTER (WHERE b.enrollment_id IS NOT NULL OR (
                   ct.last_outcome = 'scheduled' AND ct.last_activity >= c.start_day
                   AND ct.last_activity < c.closes_on))
        FROM cohort c
        JOIN contacts_contact ct ON ct.id = c.contact_id
        LEFT JOIN booked b ON b.enrollment_id = c.id
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


# --- Labels ----------------------------------------------------------------------------


def coordinator_names(practice: Practice) -> dict[int, str]:
    """Display names of the practice's members, by user id."""
    rows = Membership.objects.filter(practice=practice).values_list(
        "user_id", "user__first_name", "user__last_name", "user__username"
    )
    return {pk: (f"{first} {last}".strip() or username) for pk, first, last, username in rows}


def campaign_names(practice: Practice) -> dict[int, str]:
    return dict(Campaign.objects.filter(practice=practice).values_list("pk", "name"))


def variant_labels(practice: Practice) -> dict[int, tuple[int, str, str]]:
    """(campaign id, label, opener words) of every opener variant, by id."""
    rows = OpenerVariant.objects.filter(campaign__practice=practice).values_list(
        "pk", "campaign_id", "label", "body"
    )
    return {pk: (campaign_id, label, body) for pk, campaign_id, label, body in rows}


BUCKET_LABELS = dict(Bucket.choices)


# --- Shows -----------------------------------------------------------------------------


def appointments_to_mark(
    practice: Practice,
    *,
    coordinator_id: int | None = None,
    unmarked_only: bool = True,
    limit: int = 200,
):
    """Scheduled appointments of today or earlier (practice time), newest first, each with
    ``result``: its effective showed / no-show entry's kind, or None."""
    from django.db.models import OuterRef as Ref
    from django.db.models import Subquery

    today = timezone.localdate(timezone=practice.time_zone)
    until = dt.datetime.combine(
        today + dt.timedelta(days=1), dt.time.min, tzinfo=practice.time_zone
    )
    result = (
        Outcome.objects.filter(
            enrollment=Ref("pk"), kind__in=[OutcomeKind.SHOWED, OutcomeKind.NO_SHOW]
        )
        .exclude(Exists(Outcome.objects.filter(corrects=Ref("pk"))))
        .order_by("-at", "-id")
        .values("kind")[:1]
    )
    appointments = (
        Enrollment.objects.filter(
            practice=practice, state=State.SCHEDULED, appointment_at__lt=until, held_out=False
        )
        .annotate(result=Subquery(result))
        .select_related("contact", "campaign")
        .order_by("-appointment_at", "-pk")
    )
    if coordinator_id is not None:
        appointments = appointments.filter(coordinator_id=coordinator_id)
    if unmarked_only:
        appointments = appointments.filter(result__isnull=True)
    return appointments[:limit]


def appointments_waiting(practice: Practice, *, coordinator_id: int | None = None) -> int:
    """How many past or today's appointments have no result yet (the enrollment facts;
    equal to :func:`appointments_waiting_live`)."""
    today = timezone.localdate(timezone=practice.time_zone)
    until = dt.datetime.combine(
        today + dt.timedelta(days=1), dt.time.min, tzinfo=practice.time_zone
    )
    facts = EnrollmentFact.objects.filter(
        practice_id=practice.pk,
        state=State.SCHEDULED,
        appointment_at__lt=until,
        held_out=False,
        result__isnull=True,
    )
    if coordinator_id is not None:
        facts = facts.filter(coordinator_id=coordinator_id)
    return facts.count()


def appointments_waiting_live(practice: Practice, *, coordinator_id: int | None = None) -> int:
    """How many past or today's appointments have no result yet."""
    return appointments_to_mark(
        practice, coordinator_id=coordinator_id, unmarked_only=True, limit=None
    ).count()


def rollups_rebuild_pending(practice: Practice) -> RollupRebuild | None:
    """The practice's rebuild for a new time zone while it is queued or running (the
    figures are then those of the previous zone); None once it has finished."""
    return RollupRebuild.objects.filter(practice_id=practice.pk, finished_at=None).first()


def rollups_rebuilds_stalled(asked_before: dt.datetime) -> list[int]:
    """Practices whose rebuild was asked for before ``asked_before`` and has not finished:
    its worker died, or the zone changed where nobody queued the task (a script, the
    database itself)."""
    return list(
        RollupRebuild.objects.filter(finished_at=None, requested_at__lt=asked_before)
        .order_by("requested_at")
        .values_list("practice_id", flat=True)
    )
