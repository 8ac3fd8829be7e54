"""The file an admin uploads for an import, from its arrival to its removal.

It holds patient data: a file that is refused, or an upload the admin deletes before it
runs, leaves nothing behind in MEDIA_ROOT.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.db import transaction

from contacts.models import ImportBatch, ImportStatus

MEGABYTE = 1024 * 1024
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


def upload_limit_words() -> str:
    limit = settings.IMPORT_MAX_BYTES
    return f"{limit / MEGABYTE:.0f} MB" if limit >= MEGABYTE else f"{limit / 1024:.0f} KB"


def upload_limit_message() -> str:
    return (
        f"The file is larger than {upload_limit_words()}, the most one upload can be: export fewer "
        "columns, or split the rows into several files and upload each."
    )


class ImportUploadHandler(TemporaryFileUploadHandler):
    """Receive an upload into a temporary file, and stop receiving it once it passes
    IMPORT_MAX_BYTES: an upload over the limit is refused while it arrives, not once it
    is all on disk, and what had arrived is deleted (closing the temporary file removes
    it). The view reads ``refused`` to say why the file is missing."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.received = 0
        self.refused = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.IMPORT_MAX_BYTES:
            self.refused = True
            self.file.close()
            # Not a reset: the rest of the body is read and dropped, so the browser gets
            # the page that says why.
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)
