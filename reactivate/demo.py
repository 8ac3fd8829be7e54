"""The demo practice behind ``seed_demo``. Later features add their demo data here so the
demo always shows every feature. Idempotent: running it again refreshes, never duplicates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from reactivate.models import Membership, Practice, Role

DEMO_SLUG = "demo"
DEMO_PASSWORD = "reactivate-demo"  # noqa: S105 - printed for local use, documented
DEMO_USERS = [
    (Role.ADMIN, "admin", "Alex", "Admin"),
    (Role.OWNER, "owner", "Olivia", "Owner"),
    (Role.COORDINATOR, "coordinator", "Casey", "Coordinator"),
]


@dataclass
class DemoResult:
    practice: Practice
    logins: list[tuple[str, str]]
    password: str


def demo_seed() -> DemoResult:
    practice, _ = Practice.objects.update_or_create(
        slug=DEMO_SLUG,
        defaults={
            "name": "Bright Smile Dental (demo)",
            "time_zone": "America/New_York",
            "country": "US",
            "default_area_code": "555",
            "sending_window_start": dt.time(9, 0),
            "sending_window_end": dt.time(19, 0),
            "help_text": "Bright Smile Dental: call us at (555) 010-0000. Reply STOP to opt out.",
            "postal_address": "100 Main Street, Springfield, IL 62701",
        },
    )
    user_model = get_user_model()
    logins = []
    for role, username, first, last in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        Membership.objects.update_or_create(user=user, practice=practice, defaults={"role": role})
        logins.append((role.label, username))
    return DemoResult(practice=practice, logins=logins, password=DEMO_PASSWORD)
