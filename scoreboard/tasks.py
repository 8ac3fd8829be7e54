"""Celery tasks of the scoreboard: thin wrappers around ``scoreboard.services``."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from scoreboard.selectors import rollups_rebuilds_stalled
from scoreboard.services import rollups_rebuild

# Longer than a rebuild takes (about 5 s per 100k contacts): one still running is not
# queued twice. A second one would only wait on the practice's rollup lock and redo it.
REBUILD_STALLED_AFTER = dt.timedelta(minutes=30)


@shared_task
def scoreboard_rebuild(practice_id: int) -> None:
    """Recompute the practice's rollups (queued, on commit, when its time zone changes)."""
    rollups_rebuild(practice_id)


def scoreboard_rebuild_queue(practice_id: int) -> None:
    """What the practice settings call, on commit, after a change of time zone."""
    scoreboard_rebuild.delay(practice_id)


@shared_task
def rebuilds_resume() -> int:
    """Beat: queue again every rebuild left unfinished (so the owner's "being recomputed"
    line always ends); returns how many."""
    stalled = rollups_rebuilds_stalled(timezone.now() - REBUILD_STALLED_AFTER)
    for practice_id in stalled:
        scoreboard_rebuild.delay(practice_id)
    return len(stalled)
