import json

from django.core.management.base import BaseCommand

from outreach.tasks import touches_dispatch_due


class Command(BaseCommand):
    help = "Run one pass of the due-touch dispatcher (what Celery beat runs every minute)."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps({"claimed": touches_dispatch_due()}))
