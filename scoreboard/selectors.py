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
      number except the true lift (``scoreboard.lift``).

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
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from campaigns.models import Campaign, Enrollment, OpenerVariant, Outcome, OutcomeKind, State
from contacts.models import Bucket, Contact
from contacts.segments import OUTCOME_BUCKET, not_stalled_q
from reactivate.models import Membership, Practice
from scoreboard.models import LostFact, RollupRebuild
from scoreboard.stats import rate

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
    end = end or practice.today()
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
    opener variant: two queries over the rollups (``scoreboard.models``), equal to the
    live reference over the outcome log (``tests/scoreboard/oracle.py``). Each enrollment
    counts once per stage (its first effective outcome of the stage in the period);
    revenue is summed over the scheduled stage. An enrollment's stage days are kept with
    the day before (``prev_day``): it counts in the period on its first day in the
    period, the one whose previous day falls before the period."""
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
    """Scheduled appointments dated in the period whose time has passed (the show rate's
    denominator), and how many of them showed, grouped like :func:`stage_slices` (week =
    the appointment's week), over the enrollment facts: one query."""
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
    today = practice.today()
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
    today = scope.practice.today()
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
    """Effective went-elsewhere entries of the period by category, and the latest words,
    over the lost-reason facts: two queries."""
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


# --- Rollups ---------------------------------------------------------------------------


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
