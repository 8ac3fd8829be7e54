"""Celery tasks of the scoreboard: thin wrappers around ``scoreboard.services``."""

from celery import shared_task

from scoreboard.services import rollups_rebuild


@shared_task
def scoreboard_rebuild(practice_id: int) -> None:
    """Recompute the practice's rollups (queued, on commit, when its time zone changes)."""
    rollups_rebuild(practice_id)


def scoreboard_rebuild_queue(practice_id: int) -> None:
    """What the practice settings call, on commit, after a change of time zone."""
    scoreboard_rebuild.delay(practice_id)
