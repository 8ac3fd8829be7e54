import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from campaigns.lifecycle import campaign_create, campaign_start
from contacts.models import Bucket
from reactivate.cli import practice_from_slug


class Command(BaseCommand):
    help = "Create and start a campaign for the given buckets; prints one JSON line."

    def add_arguments(self, parser):
        parser.add_argument("--practice", required=True)
        parser.add_argument("--buckets", required=True, help="e.g. inquiry,not_now")
        parser.add_argument("--holdout", type=int, default=0, help="Percent held out (0-50).")
        parser.add_argument("--name", default="")

    def handle(self, *args, practice, buckets, holdout, name, **options):
        practice = practice_from_slug(practice)
        wanted = [b.strip() for b in buckets.split(",") if b.strip()]
        unknown = sorted(set(wanted) - set(Bucket.values))
        if unknown or not wanted:
            raise CommandError(
                f"Unknown bucket {', '.join(unknown) or '(none given)'}; "
                f"choose from {', '.join(Bucket.values)}."
            )
        if not 0 <= holdout <= 50:
            raise CommandError("--holdout is a percentage from 0 to 50.")
        today = practice.today()
        try:
            campaign = campaign_create(
                practice=practice,
                name=name or f"{', '.join(wanted)} ({today:%Y-%m-%d})",
                buckets=wanted,
                start_date=today,
                holdout_percent=holdout,
                coordinators=practice.memberships.filter(role="coordinator").values_list(
                    "user_id", flat=True
                ),
            )
            result = campaign_start(campaign, today=today)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(json.dumps(result, sort_keys=True))
