"""The scoreboard's rollups: facts derived from the outcome log, enrollments and contacts,
kept equal to them by PostgreSQL triggers and functions (their SQL is in
``scoreboard/migrations/sql/``, one frozen file per migration that changed it).

Nothing in Python writes the facts and rollups. Every write to ``campaigns_outcome``,
``campaigns_enrollment`` or ``contacts_contact`` recomputes the facts of the enrollments and
contacts it touched, in the same transaction, so a rollup read always equals the live query
over the same rows (``scoreboard.selectors`` keeps the live queries as the reference;
``tests/scoreboard/test_rollups.py`` proves it). A new time zone changes the day of every
entry: it only records a :class:`RollupRebuild`, and ``scoreboard.services.rollups_rebuild``
(a task) recomputes the practice's rollups, off the request.
"""

from __future__ import annotations

from django.db import models


class _Fact(models.Model):
    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


# A rollup (``StageRollup``, ``StakeRollup``) is one row per key: the triggers upsert on the
# key with ON CONFLICT, so NULL is one value of it like any other; a row counted down to
# zero is deleted right after (``DELETE ... WHERE n = 0``), found through a partial index.


def _rollup_key(name: str, fields: str) -> models.UniqueConstraint:
    """``fields``: the key's columns, in order, separated by spaces."""
    return models.UniqueConstraint(fields=fields.split(), nulls_distinct=False, name=name)


def _rollup_zero_rows(name: str) -> models.Index:
    return models.Index(fields=["practice_id"], condition=models.Q(n=0), name=name)


class EnrollmentFact(_Fact):
    """One row per enrollment: what the appointment, lift and waiting counts need."""

    enrollment_id = models.BigIntegerField(primary_key=True)
    practice_id = models.BigIntegerField()
    campaign_id = models.BigIntegerField()
    contact_id = models.BigIntegerField()
    bucket = models.CharField(max_length=20)
    coordinator_id = models.BigIntegerField(null=True)
    variant_id = models.BigIntegerField(null=True)
    held_out = models.BooleanField()
    state = models.CharField(max_length=20)
    start_day = models.DateField()
    appointment_at = models.DateTimeField(null=True)
    scheduled = models.BooleanField()  # has an effective "scheduled" entry
    showed = models.BooleanField()  # has an effective "showed" entry
    result = models.CharField(max_length=20, null=True)  # noqa: DJ001 — latest effective showed / no-show
    # Days after the start day on which the enrollment first counts as booked for true
    # lift: its first effective scheduled/showed entry (local day), or the patient's own
    # record (last outcome "scheduled", last activity on or after the start day).
    lift_offset = models.IntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["practice_id", "start_day"],
                include=["campaign_id", "held_out", "lift_offset", "bucket", "coordinator_id"],
                name="sb_efact_lift",
            ),
            models.Index(
                fields=["practice_id", "appointment_at"],
                condition=models.Q(scheduled=True, held_out=False),
                name="sb_efact_appointments",
            ),
            models.Index(
                fields=["practice_id", "appointment_at"],
                condition=models.Q(state="scheduled", held_out=False, result__isnull=True),
                name="sb_efact_waiting",
            ),
        ]


class StageFact(_Fact):
    """One row per (treated enrollment, stage, local day with an effective entry of the
    stage), with the previous such day: the enrollment counts in a period [S, E] on the
    day ``day`` in [S, E] whose ``prev_day`` is before S (or none)."""

    enrollment_id = models.BigIntegerField()
    stage = models.CharField(max_length=20)
    day = models.DateField()
    prev_day = models.DateField(null=True)
    practice_id = models.BigIntegerField()
    campaign_id = models.BigIntegerField()
    bucket = models.CharField(max_length=20)
    coordinator_id = models.BigIntegerField(null=True)
    variant_id = models.BigIntegerField(null=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True)

    class Meta:
        indexes = [models.Index(fields=["enrollment_id"], name="sb_sfact_enrollment")]


class StageRollup(_Fact):
    """``StageFact`` counted by practice, stage, day, previous day and the dimensions."""

    practice_id = models.BigIntegerField()
    stage = models.CharField(max_length=20)
    day = models.DateField()
    prev_day = models.DateField(null=True)
    campaign_id = models.BigIntegerField()
    bucket = models.CharField(max_length=20)
    coordinator_id = models.BigIntegerField(null=True)
    variant_id = models.BigIntegerField(null=True)
    n = models.IntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        indexes = [_rollup_zero_rows("sb_stage_zero")]
        constraints = [
            _rollup_key(
                "sb_stage_rollup_key",
                "practice_id day stage prev_day campaign_id bucket coordinator_id variant_id",
            )
        ]


class StakeFact(_Fact):
    """One row per contact that may be stalled (live, in a bucket's last outcome, not
    do-not-contact, without a decided enrollment); whether it is stalled *today* depends
    on its dates, kept here."""

    contact_id = models.BigIntegerField(primary_key=True)
    practice_id = models.BigIntegerField()
    last_outcome = models.CharField(max_length=30)
    assigned_to_id = models.BigIntegerField(null=True)
    next_appointment = models.DateField(null=True)
    last_activity = models.DateField(null=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True)


class StakeRollup(_Fact):
    """``StakeFact`` counted by practice, last outcome, coordinator and dates."""

    practice_id = models.BigIntegerField()
    last_outcome = models.CharField(max_length=30)
    assigned_to_id = models.BigIntegerField(null=True)
    next_appointment = models.DateField(null=True)
    last_activity = models.DateField(null=True)
    n = models.IntegerField()
    quoted = models.IntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        indexes = [_rollup_zero_rows("sb_stake_zero")]
        constraints = [
            _rollup_key(
                "sb_stake_rollup_key",
                "practice_id last_outcome assigned_to_id next_appointment last_activity",
            )
        ]


class LostFact(_Fact):
    """One row per effective "went elsewhere" entry of a treated enrollment: the lost
    reasons by category and the latest words."""

    outcome_id = models.BigIntegerField(primary_key=True)
    enrollment_id = models.BigIntegerField()
    practice_id = models.BigIntegerField()
    at = models.DateTimeField()
    reason_category = models.CharField(max_length=20)
    has_words = models.BooleanField()
    campaign_id = models.BigIntegerField()
    bucket = models.CharField(max_length=20)
    coordinator_id = models.BigIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["practice_id", "at"], name="sb_lost_at"),
            models.Index(fields=["enrollment_id"], name="sb_lost_enrollment"),
        ]


# The rebuild's steps, one per fact table, in order: the SQL function each calls and what
# the owner reads while it runs.
REBUILD_STEPS: tuple[tuple[str, str], ...] = (
    ("scoreboard_rebuild_stages", "the funnel and weekly counts"),
    ("scoreboard_rebuild_lost", "the lost reasons"),
    ("scoreboard_rebuild_enrollments", "appointments and true lift"),
    ("scoreboard_rebuild_stakes", "revenue at stake"),
)


class RollupRebuild(_Fact):
    """A practice's rollups to be recomputed for a new time zone: written by a trigger in
    the statement that changes the zone, advanced by the rebuild step by step (from its own
    connection, so the owner sees it while the rebuild's transaction is still open) and
    finished when the rebuilt rollups commit. Unfinished, the dashboard says its figures
    are being recomputed."""

    practice_id = models.BigIntegerField(primary_key=True)
    time_zone = models.CharField(max_length=63)  # the zone asked for
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True)
    step = models.SmallIntegerField(default=0)  # steps of REBUILD_STEPS done
    finished_at = models.DateTimeField(null=True)

    @property
    def steps(self) -> int:
        return len(REBUILD_STEPS)

    @property
    def current(self) -> str:
        """What is being recomputed now (the first step while queued)."""
        return REBUILD_STEPS[min(self.step, len(REBUILD_STEPS) - 1)][1]
