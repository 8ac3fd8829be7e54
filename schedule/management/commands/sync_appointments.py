"""``sync_appointments --practice SLUG (--file PATH [--mapping JSON] | --fhir-base-url URL
[--token TOKEN])`` (DESIGN §7)

One sync of the practice's schedule, the same code as the pages and the drop folder.
Prints one JSON line: ``read``, ``created``, ``updated``, ``unchanged``, ``matched``,
``unmatched``, ``enrollments_scheduled``, ``touches_skipped``, ``showed``, ``no_show``,
``cancelled``, ``errors``. A file already synced (same content) changes nothing: the line
is all zeros and stderr says so. A source that cannot be read exits non-zero with one line
after printing what was applied before it stopped.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reactivate.cli import mapping_option, practice_from_slug
from schedule.models import RunStatus
from schedule.sync import SUMMARY_KEYS, AlreadySynced, summary


class Command(BaseCommand):
    help = "Sync a practice's appointments from an export file or a FHIR R4 server."

    def add_arguments(self, parser):
        parser.add_argument("--practice", required=True)
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--file", help="A CSV or XLSX appointment export.")
        what.add_argument("--fhir-base-url", help="The FHIR R4 server's base URL.")
        parser.add_argument("--mapping", help='JSON: {"appointment_id": "Appt #", ...}')
        parser.add_argument("--token", help="Bearer token for the FHIR server.")

    def handle(self, *args, practice, file, fhir_base_url, mapping, token, **options):
        from schedule.sources import fhir, files

        practice = practice_from_slug(practice)
        if mapping and not file:
            raise CommandError("--mapping goes with --file.")
        try:
            if file:
                path = Path(file)
                if not path.is_file():
                    raise CommandError(f"No such file: {file}")
                source = files.export_source(practice)
                given = mapping_option(mapping, '{"start": "Appt Date"}')
                run = files.file_sync(source, path, trigger="command", mapping=given)
            else:
                source = fhir.fhir_source(practice, base_url=fhir_base_url, token=token or "")
                run = fhir.fhir_sync(source, trigger="command")
        except AlreadySynced as already:
            self.stderr.write(str(already))
            self.stdout.write(json.dumps(dict.fromkeys(SUMMARY_KEYS, 0)))
            return
        except ValueError as error:  # a mapping or an address that cannot be used
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(summary(run)))
        if run.status == RunStatus.FAILED:
            raise CommandError(run.errors[-1]["message"] if run.errors else "The sync failed.")
