"""The sync of an export uploaded on the pages, run by the worker (``schedule.tasks``
imports this module so Celery finds the task).

The upload waits under MEDIA_ROOT (``schedule-uploads/<practice slug>/<uuid>.<ext>``, where
the worker can read it) from the upload to its sync, and is deleted once synced: it holds
patient data. What the sync came to (its run, or why there is none) is left beside it as
``<uuid>.result.json`` for the page that waits for it: the web and the worker share
MEDIA_ROOT already, whatever cache or broker a deployment runs.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)

UPLOADS = "schedule-uploads"
# <uuid hex>.<ext>: the only names the pages and the task accept (nothing else under
# MEDIA_ROOT can be named through them).
UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}(\.[a-z0-9]{1,5})?$")
FAILED = "The sync stopped before the end: upload the file again (what was read stays)."


def uploads_dir(practice_slug: str) -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOADS / practice_slug


def upload_path(practice_slug: str, name: str) -> Path:
    """The stored upload ``name`` of the practice; ValueError for any other name."""
    if not UPLOAD_NAME.match(name or ""):
        raise ValueError("Not an upload of this page.")
    return uploads_dir(practice_slug) / name


def result_path(upload: Path) -> Path:
    return upload.with_name(upload.name.split(".")[0] + ".result.json")


def result_read(upload: Path) -> dict | None:
    """What the sync of ``upload`` came to, once the worker has said: ``{"run": id}``
    and/or ``{"message": words}``; None while it runs."""
    path = result_path(upload)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"message": FAILED}


def upload_discard(upload: Path) -> None:
    """Delete a stored upload and its result."""
    upload.unlink(missing_ok=True)
    result_path(upload).unlink(missing_ok=True)


@shared_task
def upload_sync(source_id: int, path: str, mapping: dict, file_name: str) -> dict:
    """Sync the uploaded export at ``path`` ("<practice slug>/<upload name>" under the
    uploads folder) into the source, then delete it."""
    from schedule.models import Source
    from schedule.sources.files import file_sync
    from schedule.sync import AlreadySynced

    slug, _, name = path.partition("/")
    upload = upload_path(slug, name)
    result: dict = {"message": FAILED}
    try:
        source = Source.objects.get(pk=source_id)
        run = file_sync(source, upload, trigger="upload", mapping=mapping, file_name=file_name)
        result = {"run": run.pk}
    except AlreadySynced as already:
        result = {"run": already.run.pk, "message": str(already)}
    except Source.DoesNotExist:
        result = {"message": "The appointment export was removed before the file was synced."}
    except ValueError as error:  # a mapping or a file that cannot be used, in words
        result = {"message": str(error) or FAILED}
    finally:
        if upload.exists() or result_path(upload).parent.exists():
            result_path(upload).write_text(json.dumps(result))
        upload.unlink(missing_ok=True)
    logger.info("schedule upload synced into source %s: %s", source_id, result.get("run"))
    return result
