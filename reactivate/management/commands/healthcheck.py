"""Exit 0 when the database answers and the worker ran beat's heartbeat recently.

Used by the compose health check of the beat service: a passing check proves beat queues
tasks and a worker runs them.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reactivate.models import Heartbeat


class Command(BaseCommand):
    help = "Check the database and that the background heartbeat is recent."

    def add_arguments(self, parser):
        parser.add_argument("--max-age-minutes", type=int, default=5)

    def handle(self, *args, max_age_minutes: int, **options):
        beat = Heartbeat.objects.filter(name="worker").first()
        if beat is None:
            raise CommandError("No heartbeat yet: are the worker and beat running?")
        age = timezone.now() - beat.seen_at
        if age > dt.timedelta(minutes=max_age_minutes):
            raise CommandError(f"Last heartbeat {int(age.total_seconds())} s ago.")
        self.stdout.write(f"ok: heartbeat {int(age.total_seconds())} s ago from {beat.host}")
