from django.core.management.base import BaseCommand

from contacts.exports import duplicates_csv
from reactivate.cli import practice_from_slug


class Command(BaseCommand):
    help = "Write the practice's open duplicate candidates as CSV to stdout."

    def add_arguments(self, parser):
        parser.add_argument("--practice", required=True)

    def handle(self, *args, practice, **options):
        for line in duplicates_csv(practice_from_slug(practice)):
            self.stdout.write(line, ending="")
