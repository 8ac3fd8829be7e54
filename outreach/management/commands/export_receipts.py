"""``export_receipts``: why each message was allowed (or held), as CSV, for one patient or
a date range of one practice (issue 17.4). Ids, channels and the rules only: no names or
numbers."""

import datetime as dt
import sys
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from contacts.models import Contact
from outreach.receipts import receipts_for, receipts_write
from reactivate.cli import practice_from_slug


def _day(raw: str | None, flag: str, zone) -> dt.datetime | None:
    if raw is None:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"{flag} must be a date like 2026-12-01, not {raw!r}.") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=zone)


class Command(BaseCommand):
    help = "CSV of the send guard's receipts: why each message was allowed or held."

    def add_arguments(self, parser):
        parser.add_argument("--practice")
        parser.add_argument("--contact", help="one patient's id")
        parser.add_argument("--since", help="first day (the practice's time zone)")
        parser.add_argument("--until", help="last day, included")

    def handle(self, *args, **options):
        if not options["practice"]:
            raise CommandError("Missing --practice.")
        practice = practice_from_slug(options["practice"])
        zone = practice.time_zone  # a ZoneInfo (TimeZoneField)
        zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(str(zone))
        contact_id = None
        if options["contact"] is not None:
            raw = options["contact"]
            if (
                not raw.isdigit()
                or not Contact.objects.filter(pk=int(raw), practice=practice).exists()
            ):
                raise CommandError(f"No patient {raw!r} in this practice.")
            contact_id = int(raw)
        since = _day(options["since"], "--since", zone)
        until = _day(options["until"], "--until", zone)
        if until is not None:
            until += dt.timedelta(days=1)
        if since and until and since >= until:
            raise CommandError("--since must not be after --until.")
        out = self.stdout if self.stdout is not None else sys.stdout
        receipts_write(out, receipts_for(practice, contact_id=contact_id, since=since, until=until))
