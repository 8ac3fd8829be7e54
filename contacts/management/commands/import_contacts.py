"""``import_contacts PATH --practice SLUG [--mapping JSON] [--dry-run] [--report PATH]``

The same pipeline as the import wizard, run in this process. Prints one JSON line.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contacts.import_batches import import_batch_create, import_batch_start, import_report_lines
from contacts.import_runs import import_batch_run
from contacts.models import ImportStatus
from reactivate.cli import mapping_option, practice_from_slug


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Import a CSV or XLSX export of patients into a practice."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--practice", required=True)
        parser.add_argument("--mapping", help='JSON: {"first_name": "Pt First", ...}')
        parser.add_argument("--dry-run", action="store_true", help="Report, change nothing.")
        parser.add_argument("--report", help="Write the per-row report CSV here.")

    def handle(self, *args, path, practice, mapping, dry_run, report, **options):
        practice = practice_from_slug(practice)
        given = mapping_option(mapping, '{"phone": "Cell"}')
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with transaction.atomic():
                batch = self._run(practice, source, given)
                if report:
                    Path(report).write_text("".join(import_report_lines(batch)), newline="")
                summary = batch.summary
                if dry_run:
                    raise _DryRun
        except _DryRun:
            batch.file.delete(save=False)
        except (ValidationError, ValueError) as error:
            raise CommandError(_message(error)) from None
        if batch.status == ImportStatus.FAILED and not dry_run:
            raise CommandError(batch.error)
        self.stdout.write(json.dumps(summary))

    def _run(self, practice, source, given):
        with source.open("rb") as fileobj:
            batch = import_batch_create(practice=practice, fileobj=fileobj, name=source.name)
        # The wizard's mapping step; the run is this process's, not a worker's.
        import_batch_start(batch=batch, mapping={**batch.mapping, **given})
        batch = import_batch_run(batch.pk)
        if batch.status == ImportStatus.FAILED:
            raise ValueError(batch.error)
        return batch


def _message(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)
