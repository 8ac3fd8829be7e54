"""One sync of a source: read it page by page, store each page's appointments, apply
their effects and keep the checkpoint, all in one transaction per page; then the run's
summary (DESIGN §7's ``sync_appointments`` line). The pages, the drop folder, beat and the
command all come here.

A sync stopped half-way (a killed worker, a server that stops answering) loses nothing:
the pages applied stay applied with their checkpoint, and the next sync reads on from
there; re-reading an applied page changes nothing (the same version is "unchanged", and
effects are applied once).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.db import IntegrityError, transaction
from django.utils import timezone

from schedule.effects import effects_apply
from schedule.models import RunStatus, Source, SyncRun
from schedule.records import Problem
from schedule.services import appointments_upsert
from schedule.sources import Reader, SourceError

logger = logging.getLogger(__name__)

SUMMARY_KEYS = (
    "read",
    "created",
    "updated",
    "unchanged",
    "matched",
    "unmatched",
    "enrollments_scheduled",
    "touches_skipped",
    "showed",
    "no_show",
    "cancelled",
    "errors",
)
MAX_ERRORS_KEPT = 200
# A run whose worker has said nothing for this long stopped (killed, or its machine went).
RUN_SILENT_AFTER = dt.timedelta(minutes=10)
STOPPED = "The sync stopped before the end (its worker stopped); the next sync resumes it."


class AlreadySynced(Exception):
    """This file was synced before (same content): nothing would change."""

    def __init__(self, run: SyncRun) -> None:
        super().__init__(
            f"This file was already synced on {timezone.localtime(run.started_at):%Y-%m-%d %H:%M}"
            " (same content); nothing changed."
        )
        self.run = run


def summary(run: SyncRun) -> dict[str, int]:
    """The run's counts, every key present (DESIGN §7)."""
    return {key: int(run.counts.get(key, 0)) for key in SUMMARY_KEYS}


def run_start(
    source: Source, *, trigger: str, file_name: str = "", content_hash: str = ""
) -> SyncRun:
    """A new run of ``source``. A file (``content_hash``) is synced once: raises
    AlreadySynced when the same content was, or is being, synced."""
    if content_hash:
        earlier = (
            SyncRun.objects.filter(source=source, content_hash=content_hash)
            .exclude(status=RunStatus.FAILED)
            .first()
        )
        if earlier is not None:
            raise AlreadySynced(earlier)
    now = timezone.now()
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                practice_id=source.practice_id,
                source=source,
                trigger=trigger,
                file_name=file_name[:255],
                content_hash=content_hash,
                started_at=now,
                heartbeat_at=now,
            )
    except IntegrityError:  # the same file, started a moment ago by someone else
        raise AlreadySynced(
            SyncRun.objects.filter(source=source, content_hash=content_hash)
            .exclude(status=RunStatus.FAILED)
            .get()
        ) from None
    Source.objects.filter(pk=source.pk).update(last_attempt_at=now)
    return run


def _keep(run: SyncRun, counts: Counter, problems: list[Problem]) -> None:
    merged = Counter(run.counts)
    merged.update(counts)
    merged["errors"] += len(problems)
    run.counts = dict(merged)
    room = MAX_ERRORS_KEPT - len(run.errors)
    run.errors = run.errors + [problem.as_dict() for problem in problems[: max(room, 0)]]
    run.heartbeat_at = timezone.now()
    run.save(update_fields=["counts", "errors", "heartbeat_at"])


def source_sync(source: Source, reader: Reader, run: SyncRun) -> SyncRun:
    """Read ``source`` through ``reader`` into ``run``; returns the finished run (failed,
    with the reason in words, when the source could not be read to the end)."""
    try:
        for page in reader.pages():
            with transaction.atomic():
                # One page at a time per source: a drop-folder file and "sync now" never
                # interleave their writes.
                locked = Source.objects.select_for_update().get(pk=source.pk)
                counts, problems = appointments_upsert(locked, run, page.records)
                counts.update(effects_apply(locked.practice, now=timezone.now()))
                _keep(run, counts, page.problems + problems)
                if page.checkpoint:
                    Source.objects.filter(pk=source.pk).update(checkpoint=page.checkpoint)
    except SourceError as error:
        return run_fail(run, str(error))
    now = timezone.now()
    SyncRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=now)
    Source.objects.filter(pk=source.pk).update(last_success_at=now, last_error="")
    run.status, run.finished_at = RunStatus.SUCCEEDED, now
    return run


def run_fail(run: SyncRun, message: str) -> SyncRun:
    """The run stopped: what it applied stays; the source shows the reason."""
    now = timezone.now()
    run.errors = [*run.errors[: MAX_ERRORS_KEPT - 1], {"where": "sync", "message": message}]
    counts = Counter(run.counts)
    counts["errors"] += 1
    run.counts, run.status, run.finished_at = dict(counts), RunStatus.FAILED, now
    run.save(update_fields=["errors", "counts", "status", "finished_at"])
    Source.objects.filter(pk=run.source_id).update(last_error=message[:1000], last_error_at=now)
    logger.warning("schedule source %s: sync %s failed", run.source_id, run.pk)
    return run


def runs_reap(now: dt.datetime | None = None) -> int:
    """Runs whose worker went silent are failed, so their file can be synced again (what
    they applied stays: a re-read changes nothing) and the health page says so."""
    now = now or timezone.now()
    silent = SyncRun.objects.filter(
        status=RunStatus.RUNNING, heartbeat_at__lt=now - RUN_SILENT_AFTER
    )
    reaped = 0
    for run in silent:
        run_fail(run, STOPPED)
        reaped += 1
    return reaped
