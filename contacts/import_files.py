"""The file an admin uploads for an import, from its arrival to its removal.

It holds patient data: a file that is refused, or an upload the admin deletes before it
runs, leaves nothing behind in MEDIA_ROOT.
"""

from __future__ import annotations

from django.db import transaction

from contacts.models import ImportBatch, ImportStatus

MSG_NOT_DELETABLE = "This import has started: its contacts and report are kept."


def import_batch_delete(*, batch: ImportBatch) -> None:
    """Delete an upload that has not been started, with its stored file.

    Raises ValueError once the import is queued or has run: its rows are contacts now.
    """
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportStatus.UPLOADED:
            raise ValueError(MSG_NOT_DELETABLE)
        stored = locked.file
        locked.delete()
        # The file goes once the row is gone for good (a rolled-back delete keeps both).
        transaction.on_commit(lambda: stored.delete(save=False))
