"""The coordinator's daily queue (reads), and the claims that keep shared pools apart.

Order (DESIGN §2, the work-queue issue): replies waiting (oldest first), re-qualifications,
call tasks due now, voicemail fallbacks, closeouts; then touches the guard is holding, with
their reason. Each section is one query, whatever the size of the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from campaigns.models import (
    OPEN_STATES,
    Channel,
    Enrollment,
    Outcome,
    OutcomeKind,
    State,
    Touch,
    TouchStatus,
)
from outreach.models import Direction, Message
from reactivate.models import Membership

SECTION_LIMIT = 50
# What a list row shows: loading whole contacts (some 50 columns) for 300 rows costs more
# than the queries.
LIST_FIELDS = (
    "id",
    "state",
    "bucket",
    "state_changed_at",
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

    def items(self) -> list[Item]:
        return [item for key, _label in SECTIONS for item in self.sections.get(key, [])]

    def labelled(self) -> list[tuple[str, str, list[Item]]]:
        return [(key, label, self.sections.get(key, [])) for key, label in SECTIONS]

    @property
    def quota_percent(self) -> int:
        return min(100, round(100 * self.decisions_today / self.quota)) if self.quota else 0


def mine_q(user, now: dt.datetime, prefix: str = "") -> Q:
    """Enrollments this coordinator works: their own, and the shared pool's unclaimed (or
    claimed by them) ones."""
    p = prefix
    pool = Q(**{f"{p}coordinator__isnull": True}) & (
        Q(**{f"{p}claimed_by__isnull": True})
        | Q(**{f"{p}claimed_by": user})
        | Q(**{f"{p}claim_expires_at__lt": now})
    )
    return Q(**{f"{p}coordinator": user}) | pool


def _enrollments(practice, user, now: dt.datetime, see_all: bool) -> QuerySet[Enrollment]:
    qs = Enrollment.objects.filter(practice=practice, state__in=OPEN_STATES)
    return qs if see_all else qs.filter(mine_q(user, now))


def _waiting_reply(practice) -> Exists:
    return Exists(
        Message.objects.filter(
            practice=practice,
            contact=OuterRef("contact"),
            direction=Direction.IN,
            handled_at__isnull=True,
        )
    )


def queue_for(practice, user, now: dt.datetime, *, see_all: bool = False) -> Queue:
    queue = Queue()
    mine = _enrollments(practice, user, now, see_all).select_related("contact").only(*LIST_FIELDS)
    waiting = _waiting_reply(practice)
    first_reply = (
        Message.objects.filter(
            contact=OuterRef("contact"), direction=Direction.IN, handled_at__isnull=True
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    replies = (
        mine.annotate(waiting=waiting, first_reply=first_reply)
        .filter(waiting=True)
        .order_by("first_reply")[:SECTION_LIMIT]
    )
    queue.sections["replies"] = [Item("replies", e, e.first_reply) for e in replies]
    requalify = (
        mine.annotate(waiting=waiting)
        .filter(state__in=[State.PAUSED, State.REQUALIFYING], waiting=False)
        .order_by("state_changed_at")[:SECTION_LIMIT]
    )
    queue.sections["requalify"] = [Item("requalify", e, e.state_changed_at) for e in requalify]
    queue.sections.update(_touch_sections(practice, user, now, see_all))
    queue.sections["closeouts"] = _closeouts(mine, now)
    queue.unmatched = list(
        Message.objects.filter(
            practice=practice, direction=Direction.IN, contact__isnull=True, handled_at__isnull=True
        ).order_by("created_at")[:SECTION_LIMIT]
    )
    queue.decisions_today, queue.quota = decisions_today(practice, user, now)
    return queue


def _touch_sections(practice, user, now: dt.datetime, see_all: bool) -> dict[str, list[Item]]:
    touches = (
        Touch.objects.filter(
            practice=practice, status=TouchStatus.PLANNED, enrollment__state=State.ACTIVE
        )
        .select_related("enrollment__contact", "step")
        .only(
            "due_at",
            "reason",
            "step__name",
            "step__channel",
            *(f"enrollment__{f}" for f in LIST_FIELDS),
        )
    )
    if not see_all:
        touches = touches.filter(mine_q(user, now, prefix="enrollment__"))
    # One query for the three touch sections (calls due, voicemail fallbacks, held): each
    # extra pass over a coordinator's open enrollments costs as much as the whole query.
    rows = touches.filter(
        Q(channel=Channel.CALL, due_at__lte=now) | Q(reason__startswith="held:")
    ).order_by("due_at")[: 6 * SECTION_LIMIT]
    sections: dict[str, list[Item]] = {"calls": [], "voicemail": [], "held": []}
    for touch in rows:
        if touch.reason.startswith("held:"):
            key, detail = "held", touch.reason
        elif touch.step.channel == Channel.VOICEMAIL:
            key, detail = "voicemail", touch.reason
        else:
            key, detail = "calls", touch.step.name
        if len(sections[key]) < SECTION_LIMIT:
            sections[key].append(Item(key, touch.enrollment, touch.due_at, detail))
    return sections


def _closeouts(mine: QuerySet[Enrollment], now: dt.datetime) -> list[Item]:
    """Active enrollments whose closeout went out and nothing is left to send: decide."""
    closed_out = Touch.objects.filter(
        enrollment=OuterRef("pk"),
        step__is_closeout=True,
        status__in=[TouchStatus.SENT, TouchStatus.DELIVERED],
    )
    pending = Touch.objects.filter(
        enrollment=OuterRef("pk"),
        status__in=[TouchStatus.PLANNED, TouchStatus.CLAIMED, TouchStatus.SENDING],
    )
    rows = (
        mine.filter(state=State.ACTIVE)
        .filter(Exists(closed_out))
        .exclude(Exists(pending))
        .order_by("start_day")[:SECTION_LIMIT]
    )
    return [Item("closeouts", e, e.state_changed_at) for e in rows]


def decisions_today(practice, user, now: dt.datetime) -> tuple[int, int]:
    start = timezone.localtime(now, timezone.get_current_timezone()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    count = (
        Outcome.objects.filter(practice=practice, user=user, kind__in=DECISION_KINDS, at__gte=start)
        .exclude(corrections__isnull=False)
        .count()
    )
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
