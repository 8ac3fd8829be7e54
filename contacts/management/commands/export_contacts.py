from django.core.management.base import BaseCommand

from contacts.exports import contacts_csv
from reactivate.cli import practice_from_slug


class Command(BaseCommand):
    help = "Write the practice's contacts, with normalized fields, as CSV to stdout."

    def add_arguments(self, parser):
        parser.add_argument("--practice", required=True)

    def handle(self, *args, practice, **options):
        practice = practice_from_slug(practice)
        today = practice.today()
        for line in contacts_csv(practice, today):
            self.stdout.write(line, ending="")
