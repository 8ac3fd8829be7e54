"""Writes of the scoreboard: a practice's rollups rebuilt from the live data.

The rollups are kept by PostgreSQL triggers as outcomes, enrollments and contacts are
written; only a new time zone (which moves the day of every entry) needs all of a
practice's rollups recomputed. That runs here, called by a task, off the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone

from reactivate.models import Practice
from scoreboard.models import REBUILD_STEPS, RollupRebuild


@contextmanager
def _progress_recorder(practice_id: int) -> Iterator[Callable[[int], None]]:
    """Record a rebuild's progress on the practice's pending ``RollupRebuild`` from a
    connection of its own: in the rebuild's transaction it would stay invisible until the
    commit. Without a pending row (a rebuild nobody asked for) nothing is recorded; nor
    when ``connection`` is already in a transaction."""
    # Inside a caller's transaction (a test, a script) nobody else could see the rebuild
    # before that transaction ends: there is no progress to show.
    if (
        connection.in_atomic_block
        or not RollupRebuild.objects.filter(practice_id=practice_id, finished_at=None).exists()
    ):
        yield lambda step: None
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    side.set_autocommit(True)

    def record(step: int) -> None:
        try:
            with side.cursor() as cursor:
                # Progress is for the eyes only: never wait for a row the caller's own
                # transaction may hold (that wait would never end).
                cursor.execute("SET lock_timeout = '1s'")
                cursor.execute(
                    "UPDATE scoreboard_rolluprebuild SET step = %s, "
                    "started_at = coalesce(started_at, now()) "
                    "WHERE practice_id = %s AND finished_at IS NULL",
                    [step, practice_id],
                )
        except DatabaseError:
            pass

    try:
        yield record
    finally:
        side.close()


def rollups_rebuild(practice_id: int) -> None:
    """Recompute every rollup of the practice in its current time zone, one fact table per
    step, and finish its pending rebuild.

    One transaction: until it commits, the dashboard reads the rollups as they were (in
    the previous zone, under the line saying they are being recomputed), never a mix of
    both. It holds the practice's rollup lock, as the triggers do, so writes to that
    practice's outcomes, enrollments and contacts wait for it to end."""
    with _progress_recorder(practice_id) as record:
        record(0)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT scoreboard_lock(ARRAY[%s]::bigint[])", [practice_id])
            # Read under the lock, once: every step uses the same zone.
            zone = (
                Practice.objects.filter(pk=practice_id).values_list("time_zone", flat=True).first()
            )
            if zone is None:
                return
            # The function names come from REBUILD_STEPS, never from input.
            for done, (function, _label) in enumerate(REBUILD_STEPS, start=1):
                cursor.execute(f"SELECT {function}(%s, %s)", [practice_id, str(zone)])
                record(done)
            # A zone changed again meanwhile keeps its pending row for its own rebuild.
            RollupRebuild.objects.filter(
                practice_id=practice_id, time_zone=str(zone), finished_at=None
            ).update(step=len(REBUILD_STEPS), finished_at=timezone.now())
