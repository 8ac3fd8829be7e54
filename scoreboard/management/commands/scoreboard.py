"""``manage.py scoreboard --practice SLUG --json [--since DATE]`` (DESIGN §7): the
scoreboard's counts and rates, from the same selectors as the dashboard."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from reactivate.cli import practice_from_slug
from scoreboard import selectors
from scoreboard.report import command_summary


class Command(BaseCommand):
    help = "Print the scoreboard's counts and rates (one JSON object with --json)."

    def add_arguments(self, parser):
        parser.add_argument("--practice", required=True)
        parser.add_argument("--json", dest="as_json", action="store_true", help="One JSON object.")
        parser.add_argument("--since", default=None, help="First day counted (YYYY-MM-DD).")

    def handle(self, *args, practice, as_json: bool, since: str | None, **options):
        start = None
        if since is not None:
            try:
                start = dt.date.fromisoformat(since)
            except ValueError:
                raise CommandError(
                    f"--since must be a date like 2026-01-31, not '{since}'."
                ) from None
        practice = practice_from_slug(practice)
        today = practice.today()
        if start is not None and start > today:
            raise CommandError(f"--since {start} is in the future.")
        scope = selectors.scope_for(practice, start=start, end=today)
        summary = command_summary(selectors.stage_counts(scope), selectors.revenue_at_stake(scope))
        if as_json:
            self.stdout.write(json.dumps(summary))
            return
        for key, value in summary.items():
            self.stdout.write(f"{key:<20} {'—' if value is None else value}")
