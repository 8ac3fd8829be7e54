"""The contacts part of ``seed_demo``: import the shipped dirty demo export through the
same pipeline as the wizard, so the demo shows buckets, problems and duplicates."""

from __future__ import annotations

from pathlib import Path

from contacts.import_batches import import_batch_create, import_batch_start
from contacts.import_runs import import_batch_run
from contacts.models import Contact
from reactivate.models import Practice, Role

DEMO_FILE = Path(__file__).resolve().parent / "demo" / "patients.csv"


def demo_extend(practice: Practice) -> list[str]:
    with DEMO_FILE.open("rb") as fileobj:
        batch = import_batch_create(practice=practice, fileobj=fileobj, name=DEMO_FILE.name)
    import_batch_start(batch=batch, mapping=batch.mapping)
    batch = import_batch_run(batch.pk)
    coordinator = practice.memberships.filter(role=Role.COORDINATOR).first()
    if coordinator:
        unassigned = Contact.objects.filter(practice=practice, assigned_to__isnull=True)
        unassigned.update(assigned_to=coordinator.user)
    summary = batch.summary
    return [
        f"Imported {DEMO_FILE.name}: {summary.get('created', 0)} new, "
        f"{summary.get('duplicate_candidates', 0)} possible duplicates to review."
    ]
