from celery import shared_task

from contacts.import_runs import import_batch_run


@shared_task
def import_run(batch_id: int) -> str:
    """Apply an import batch. Acks late: if the worker dies, the batch resumes elsewhere."""
    return import_batch_run(batch_id).status
