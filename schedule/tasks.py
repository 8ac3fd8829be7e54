"""Celery tasks of the schedule: thin wrappers that take ids; the work is in ``sync``,
``effects``, ``sweeps`` and the sources. Beat runs ``sweep`` every 20 seconds (DESIGN:
effects within a minute of the data arriving)."""

from __future__ import annotations

from celery import shared_task

from reactivate.models import Practice
from schedule.effects import effects_apply, practices_with_effects_due
from schedule.page_tasks import upload_sync  # noqa: F401  (a page's task: Celery finds it here)
from schedule.sources.fhir import fhir_source_sync, fhir_syncs_due  # noqa: F401  (and here)
from schedule.sources.files import drop_folders_poll
from schedule.sweeps import missed_reenroll_due, unmatched_rematch_due
from schedule.sync import runs_reap


@shared_task
def effects_sweep() -> dict:
    """Apply the effects that are due (appointments matched by hand or by a later
    contacts import, a sync whose worker stopped before applying them)."""
    counts: dict[str, int] = {}
    for practice in Practice.objects.filter(pk__in=practices_with_effects_due()):
        for key, n in effects_apply(practice).items():
            counts[key] = counts.get(key, 0) + n
    return counts


@shared_task
def sweep() -> dict:
    """One beat pass: fail runs whose worker went silent, read every drop folder, queue
    the FHIR syncs whose time came, match appointments a contacts import has found the
    patient of, apply the effects that are due, and enroll again the patients who missed
    an appointment where the practice asks for it."""
    return {
        "reaped": runs_reap(),
        "files": drop_folders_poll(),
        "fhir": fhir_syncs_due(),
        "rematched": unmatched_rematch_due(),
        "effects": effects_sweep(),
        "reenrolled": missed_reenroll_due(),
    }
