"""Celery tasks of the schedule: thin wrappers that take ids; the work is in ``sync``,
``effects`` and the sources. Beat runs ``sweep`` (DESIGN: effects within a minute of the
data arriving)."""

from __future__ import annotations

from celery import shared_task

from reactivate.models import Practice
from schedule.effects import effects_apply, practices_with_effects_due
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
    """One beat pass: fail runs whose worker went silent, read every drop folder, sync
    the FHIR sources whose time came, and apply the effects that are due."""
    from schedule.sources.fhir import fhir_syncs_due
    from schedule.sources.files import drop_folders_poll

    return {
        "reaped": runs_reap(),
        "files": drop_folders_poll(),
        "fhir": fhir_syncs_due(),
        "effects": effects_sweep(),
    }


from schedule.page_tasks import upload_sync  # noqa: E402, F401  (Celery finds it here)
from schedule.sources.fhir import fhir_source_sync  # noqa: E402, F401  (and here)
