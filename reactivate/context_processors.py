"""Header navigation: the practice switcher and the links the user's role may open."""

from __future__ import annotations

from django.urls import reverse

from reactivate.access import Area
from reactivate.selectors import memberships_for_user

NAV: list[tuple[Area, str, str]] = [
    (Area.QUEUE, "Work queue", "outreach:queue"),
    (Area.CONTACTS, "Contacts", "contacts:index"),
    (Area.IMPORTS, "Imports", "contacts:imports"),
    (Area.CAMPAIGNS, "Campaigns", "campaigns:index"),
    (Area.DASHBOARD, "Scoreboard", "scoreboard:dashboard"),
    # The practice system's schedule: its sources' health, uploads and unmatched bookings.
    (Area.SETTINGS, "Schedule", "schedule:health"),
    (Area.SETTINGS, "Settings", "practice_settings"),
    (Area.USERS, "Users", "practice_users"),
]


def practice_nav(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = getattr(request, "access", None)
    context = {"memberships": memberships_for_user(user)}
    if access is not None:
        slug = access.practice.slug
        context["active_area"] = getattr(request, "area", "")
        match = getattr(request, "resolver_match", None)
        if match is not None and match.namespace == "schedule":
            context["active_area"] = "schedule"  # its pages span imports and settings
        context["nav"] = [
            {
                "label": label,
                "url": reverse(url_name, kwargs={"practice_slug": slug}),
                "area": "schedule" if url_name.startswith("schedule:") else area.value,
            }
            for area, label, url_name in NAV
            if access.can_view(area)
        ]
    return context
