"""What other apps do when a practice changes a setting they derive figures from.

``reactivate`` is imported by every app and imports none of them (DESIGN §3), so an app
registers its reaction here from its ``AppConfig.ready()`` (as the apps register their
history with ``contacts.history``); the practice settings call them without knowing the
apps.
"""

from __future__ import annotations

from collections.abc import Callable

TimeZoneChanged = Callable[[int], None]  # the practice's id, called after the commit

_TIME_ZONE_CHANGED: dict[str, TimeZoneChanged] = {}


def time_zone_changed_register(name: str, react: TimeZoneChanged) -> None:
    """Register (or replace: ``ready()`` may run twice in tests) an app's reaction."""
    _TIME_ZONE_CHANGED[name] = react


def time_zone_changed(practice_id: int) -> None:
    """Every app's reaction to the practice's new time zone (the scoreboard queues the
    rebuild of its figures). Run it on commit of the change."""
    for react in _TIME_ZONE_CHANGED.values():
        react(practice_id)
