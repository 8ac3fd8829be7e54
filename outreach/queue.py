"""The coordinator's daily queue (reads), and the claims that keep shared pools apart.

Order (DESIGN §2, the work-queue issue): replies waiting (oldest first), re-qualifications,
call tasks due now, voicemail fallbacks, closeouts; then touches the guard is holding, with
their reason. Two queries hold the six sections, whatever the size of the lists: a UNION ALL
of the enrollment sections and one of the touch sections, each part cut at its section's
limit.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from campaigns.models import (
    OPEN_STATES,
    Channel,
    Enrollment,
    Outcome,
    OutcomeKind,
    State,
    Step,
    Touch,
    TouchStatus,
    queue_owner,
)
from outreach.models import Direction, Message
from reactivate.models import Membership

SECTION_LIMIT = 50
# The calls due are counted up to this many and shown as "10,000+" beyond: the count walks
# the same partial index as the list, and stopping here keeps it a few milliseconds at 1M
# contacts, where a full count of a large practice's backlog would not be.
COUNT_CAP = 10_000
# What a list row shows: loading whole contacts (some 50 columns) for up to 300 rows costs
# more than the queries.
LIST_FIELDS = (
    "id",
    "state",
    "bucket",
    "state_changed_at",
    "start_day",
    "contact__id",
    "contact__first_name",
    "contact__last_name",
)
CLAIM_MINUTES = 15
DECISION_KINDS = (
    OutcomeKind.SCHEDULED,
    OutcomeKind.NURTURE,
    OutcomeKind.NOT_A_FIT,
    OutcomeKind.NOT_NOW,
    OutcomeKind.WENT_ELSEWHERE,
    OutcomeKind.DO_NOT_CONTACT,
)
SECTIONS = (
    ("replies", "Replies waiting"),
    ("requalify", "Re-qualify"),
    ("calls", "Calls due now"),
    ("voicemail", "Voicemail fallbacks"),
    ("closeouts", "Closeouts"),
    ("held", "Held by the send guard"),
)


@dataclass(frozen=True)
class Item:
    section: str
    enrollment: Enrollment
    at: dt.datetime
    detail: str = ""

    @property
    def contact(self):
        return self.enrollment.contact


@dataclass
class Queue:
    sections: dict[str, list[Item]] = field(default_factory=dict)
    unmatched: list[Message] = field(default_factory=list)
    decisions_today: int = 0
    quota: int = 0
    # Rows due in a section beyond the ones listed, counted up to COUNT_CAP + 1 (calls only:
    # the section a day's backlog builds up in).
    totals: dict[str, int] = field(default_factory=dict)

    def items(self) -> list[Item]:
        return [item for key, _label in SECTIONS for item in self.sections.get(key, [])]

    def next_after(self, enrollment_id: int) -> list[Enrollment]:
        """The patients to open after ``enrollment_id``'s, in the order a coordinator works
        down the list: those below it first, then from the top (each patient once, and
        never this one)."""
        ids = [item.enrollment.pk for item in self.items()]
        at = ids.index(enrollment_id) if enrollment_id in ids else len(ids)
        ordered, seen = [], {enrollment_id}
        for item in [*self.items()[at:], *self.items()[:at]]:
            if item.enrollment.pk not in seen:
                seen.add(item.enrollment.pk)
                ordered.append(item.enrollment)
        return ordered

    def labelled(self) -> list[tuple[str, str, list[Item], str]]:
        """(key, label, items, size): size is "50 of 949" when more are due than listed."""
        return [
            (key, label, items, self.size(key, items))
            for key, label in SECTIONS
            for items in [self.sections.get(key, [])]
        ]

    def size(self, key: str, items: list[Item]) -> str:
        total = max(self.totals.get(key, 0), len(items))
        if total <= len(items):
            return str(len(items))
        counted = f"{COUNT_CAP:,}+" if total > COUNT_CAP else f"{total:,}"
        return f"{len(items)} of {counted}"

    @property
    def quota_percent(self) -> int:
        return min(100, round(100 * self.decisions_today / self.quota)) if self.quota else 0


def _claim_allows(user, now: dt.datetime, prefix: str = "") -> Q:
    """A shared-pool patient is free, claimed by this user, or their claim has run out."""
    p = prefix
    return (
        Q(**{f"{p}claimed_by__isnull": True})
        | Q(**{f"{p}claimed_by": user})
        | Q(**{f"{p}claim_expires_at__lt": now})
    )


def mine_q(user, now: dt.datetime, prefix: str = "") -> Q:
    """Enrollments this coordinator works: their own, and the shared pool's unclaimed (or
    claimed by them) ones."""
    p = prefix
    pool = Q(**{f"{p}coordinator__isnull": True}) & _claim_allows(user, now, prefix)
    return Q(**{f"{p}coordinator": user}) | pool


def _scopes(practice, user, now: dt.datetime, see_all: bool) -> QuerySet[Enrollment]:
    """The open enrollments this user works: their own and the shared pool's (not claimed
    by someone else).

    Named as ``queue_owner IN (0, me)``, the two ranges are read from the
    ``enrollment_queue_owner`` index alone; ``coordinator = me OR coordinator IS NULL`` can
    only be a bitmap, which visits every one of those rows in the table.
    """
    qs = Enrollment.objects.filter(practice=practice, state__in=OPEN_STATES)
    if see_all:
        return qs
    return (
        qs.alias(owner=queue_owner())
        .filter(owner__in=[0, user.pk])
        .filter(Q(coordinator__isnull=False) | _claim_allows(user, now))
    )


def queue_for(
    practice, user, now: dt.datetime, *, see_all: bool = False, membership: Membership | None = None
) -> Queue:
    """``membership``: the user's, when the caller has it already (the quota is read from it
    instead of queried again)."""
    queue = Queue()
    voicemail_steps, closeout_steps = _marked_steps(practice)
    queue.sections.update(_enrollment_sections(practice, user, now, see_all, closeout_steps))
    touches, totals = _touch_sections(practice, user, now, see_all, voicemail_steps)
    queue.sections.update(touches)
    queue.totals = totals
    queue.unmatched = list(
        Message.objects.filter(
            practice=practice, direction=Direction.IN, contact__isnull=True, handled_at__isnull=True
        ).order_by("created_at")[:SECTION_LIMIT]
    )
    queue.decisions_today, queue.quota = decisions_today(practice, user, now, membership)
    return queue


def _marked_steps(practice) -> tuple[list[int], list[int]]:
    """The practice's voicemail steps and closeout steps, as ids.

    Named by id, a handful of steps is a condition the planner can estimate (from the step
    column's statistics) and read from a step-keyed index; as a join on the step table it
    walks every due call to find the few fallbacks.
    """
    voicemail, closeout = [], []
    steps = Step.objects.filter(sequence__practice=practice).filter(
        Q(channel=Channel.VOICEMAIL) | Q(is_closeout=True)
    )
    for pk, channel, is_closeout in steps.values_list("pk", "channel", "is_closeout"):
        if channel == Channel.VOICEMAIL:
            voicemail.append(pk)
        if is_closeout:
            closeout.append(pk)
    return voicemail, closeout


def _union_all(parts: list[QuerySet]) -> Iterable:
    """The rows of ``parts``, each ordered and cut at its limit, in one UNION ALL."""
    return parts[0].union(*parts[1:], all=True)


def _by_section(rows, keys: tuple[str, ...]) -> dict[str, list]:
    """Rows of a UNION ALL, grouped by their ``section`` column (each group is sorted
    again by the caller: SQL promises no order across a UNION)."""
    grouped: dict[str, list] = {key: [] for key in keys}
    for row in rows:
        grouped[row.section].append(row)
    return grouped


def _enrollment_sections(
    practice, user, now: dt.datetime, see_all: bool, closeout_steps: list[int]
) -> dict[str, list[Item]]:
    """Replies waiting (oldest first), re-qualifications and closeouts: one UNION ALL of
    three ordered parts, each cut at its section's limit."""
    mine = _scopes(practice, user, now, see_all)
    # ``reply_waiting_since``: kept on the enrollment so that this part reads the few
    # enrollments with a reply waiting (the ``enrollment_reply_waiting`` index), not every
    # open enrollment of the coordinator with a look at its messages.
    replies = _first_rows(
        mine.filter(reply_waiting_since__isnull=False),
        "replies",
        at=F("reply_waiting_since"),
        order="reply_waiting_since",
    )
    requalify = _first_rows(
        mine.filter(state__in=[State.PAUSED, State.REQUALIFYING], reply_waiting_since__isnull=True),
        "requalify",
        at=F("state_changed_at"),
        order="state_changed_at",
    )
    closeouts = _first_rows(
        _closeouts(mine, closeout_steps), "closeouts", at=F("state_changed_at"), order="start_day"
    )
    rows = _union_all([replies, requalify, closeouts])
    grouped = _by_section(rows, ("replies", "requalify", "closeouts"))
    order = {
        "replies": lambda e: e.at,
        "requalify": lambda e: e.state_changed_at,
        "closeouts": lambda e: e.start_day,
    }
    return {
        key: [Item(key, e, e.at) for e in sorted(found, key=order[key])]
        for key, found in grouped.items()
    }


def _first_rows(
    found: QuerySet[Enrollment], section: str, *, at, order: str
) -> QuerySet[Enrollment]:
    """The section's first rows of ``found`` by ``order``, with their contacts; ``at`` is
    the time a row shows.

    The limit is taken on the enrollments alone and the contacts joined to those rows
    only: a coordinator with 5,000 re-qualifications would otherwise have all 5,000
    contacts looked up before the sort keeps 50.
    """
    first = found.annotate(at=at).order_by(order).values("pk")[:SECTION_LIMIT]
    return (
        Enrollment.objects.filter(pk__in=first)
        .select_related("contact")
        .only(*LIST_FIELDS)
        .annotate(section=Value(section), at=at)
        .order_by(order)[:SECTION_LIMIT]
    )


def _touch_sections(
    practice, user, now: dt.datetime, see_all: bool, voicemail_steps: list[int]
) -> tuple[dict[str, list[Item]], dict[str, int]]:
    """Calls due, voicemail fallbacks and held touches: each part walks a partial index in
    due order and stops at the section's limit, all three in one UNION ALL.

    The enrollment's state is checked here, not in SQL: a condition on the enrollment makes
    the planner expect a few dozen rows in all, so it reads all of a coordinator's open
    enrollments and sorts their touches (thousands) instead of walking the index to the
    limit. Only an active enrollment has planned touches (``enrollment_move`` stops them),
    so the check drops nothing in practice.

    The calls part's rows also carry the number of calls due (``COUNT_CAP`` + 1 at most), as
    a scalar subquery: no query more for the page, and Postgres runs it once (it names no
    outer row), over the same index and conditions as the calls part. The other parts carry
    0 (a subquery in each would count three times).
    """
    touches = (
        Touch.objects.filter(practice=practice, status=TouchStatus.PLANNED)
        .select_related("enrollment__contact")
        .only("due_at", "reason", *(f"enrollment__{f}" for f in LIST_FIELDS))
    )
    if not see_all:
        touches = touches.filter(mine_q(user, now, prefix="enrollment__"))
    due_calls = touches.filter(
        ~Q(reason__startswith="held:"), channel=Channel.CALL, due_at__lte=now
    )
    calls = due_calls.exclude(step_id__in=voicemail_steps)
    capped, params = calls.values("pk").order_by()[: COUNT_CAP + 1].query.sql_with_params()
    # The inner SQL is the ORM's own compilation; every value in it stays a parameter.
    counted = f"SELECT COUNT(*) FROM ({capped}) AS due"  # noqa: S608
    calls_total = RawSQL(counted, params, IntegerField())  # noqa: S611
    parts = [
        qs.annotate(
            section=Value(key),
            step_name=F("step__name"),
            calls_total=calls_total if key == "calls" else Value(0, IntegerField()),
        ).order_by("due_at")[:SECTION_LIMIT]
        for key, qs in (
            ("calls", calls),
            ("voicemail", due_calls.filter(step_id__in=voicemail_steps)),
            ("held", touches.filter(reason__startswith="held:")),
        )
    ]
    rows = list(_union_all(parts))
    totals = {"calls": max((row.calls_total for row in rows), default=0)}
    grouped = _by_section(rows, ("calls", "voicemail", "held"))
    sections = {
        key: [
            Item(key, t.enrollment, t.due_at, t.step_name if key == "calls" else t.reason)
            for t in sorted(found, key=lambda t: t.due_at)
            if t.enrollment.state == State.ACTIVE
        ]
        for key, found in grouped.items()
    }
    return sections, totals


def _closeouts(mine: QuerySet[Enrollment], closeout_steps: list[int]) -> QuerySet[Enrollment]:
    """Active enrollments whose closeout went out and nothing is left to send: decide.

    The sent closeouts are named as a set of enrollment ids (not a per-row EXISTS), so the
    planner can start from the sent closeout touches when they are few, instead of probing
    the touches of every active enrollment of the coordinator.
    """
    closed_out = Touch.objects.filter(
        step_id__in=closeout_steps, status__in=[TouchStatus.SENT, TouchStatus.DELIVERED]
    ).values("enrollment_id")
    pending = Touch.objects.filter(
        enrollment=OuterRef("pk"),
        status__in=[TouchStatus.PLANNED, TouchStatus.CLAIMED, TouchStatus.SENDING],
    )
    return mine.filter(state=State.ACTIVE, pk__in=closed_out).exclude(Exists(pending))


def decisions_today(
    practice, user, now: dt.datetime, membership: Membership | None = None
) -> tuple[int, int]:
    """This user's decisions (not undone) today, and their daily goal.

    "Today" is the practice's day, whatever zone the caller has active: a decision made at
    22:00 yesterday is yesterday's, even though it is today in UTC.
    """
    zone = zoneinfo.ZoneInfo(str(practice.time_zone))
    day = timezone.localtime(now, zone).date()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    count = (
        Outcome.objects.filter(
            practice=practice, user=user, kind__in=DECISION_KINDS, at__gte=start, at__lt=end
        )
        .exclude(corrections__isnull=False)
        .count()
    )
    if membership is not None and membership.practice_id == practice.pk:
        return count, membership.daily_quota or 0
    quota = (
        Membership.objects.filter(practice=practice, user=user)
        .values_list("daily_quota", flat=True)
        .first()
    )
    return count, quota or 0


@transaction.atomic
def enrollment_claim(enrollment_id: int, user, now: dt.datetime) -> bool:
    """Claim a shared-pool patient for ``CLAIM_MINUTES``; true if this user may work it.

    ``SKIP LOCKED``: when two coordinators open the same patient at once, the second sees
    it as taken instead of waiting for the first.
    """
    row = (
        Enrollment.objects.select_for_update(skip_locked=True)
        .filter(pk=enrollment_id)
        .values("coordinator_id", "claimed_by_id", "claim_expires_at")
        .first()
    )
    if row is None:
        return False
    if row["coordinator_id"] is not None:
        return row["coordinator_id"] == user.pk
    taken = (
        row["claimed_by_id"] not in (None, user.pk)
        and row["claim_expires_at"]
        and row["claim_expires_at"] > now
    )
    if taken:
        return False
    Enrollment.objects.filter(pk=enrollment_id).update(
        claimed_by=user, claim_expires_at=now + dt.timedelta(minutes=CLAIM_MINUTES)
    )
    return True
