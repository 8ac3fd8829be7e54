"""Since when a patient's reply has waited, for the enrollments campaigns creates.

Every enrollment keeps ``reply_waiting_since`` (the work queue orders its replies by it).
Outreach keeps it as replies arrive and are handled; a patient enrolled while a reply of
theirs waits gets it when enrolled. Only outreach knows the messages, and ``campaigns``
cannot import ``outreach`` (DESIGN §3), so outreach registers its lookup here from its
``AppConfig.ready()``, as the apps register their history with ``contacts.history``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

# Contact ids → {contact id: when its oldest unhandled reply came}; contacts with none left out.
WaitingSince = Callable[[list[int]], dict[int, dt.datetime]]
# A contact id: its waiting replies are answered (a coordinator decided).
Handle = Callable[[int], object]

_lookups: dict[str, WaitingSince] = {}
_handlers: dict[str, Handle] = {}


def replies_waiting_source_register(
    name: str, lookup: WaitingSince, handle: Handle | None = None
) -> None:
    """Register (or replace: ``ready()`` may run twice in tests) an app's lookup, and what
    marks a contact's waiting replies handled."""
    _lookups[name] = lookup
    if handle is not None:
        _handlers[name] = handle


def replies_handle(contact_id: int) -> None:
    """A coordinator's decision answers the patient's waiting replies."""
    for handle in _handlers.values():
        handle(contact_id)


def replies_waiting_since(contact_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each contact's oldest reply still waiting came (contacts with none left out)."""
    ids = list(contact_ids)
    found: dict[int, dt.datetime] = {}
    for lookup in _lookups.values():
        for contact_id, since in lookup(ids).items():
            found[contact_id] = min(since, found.get(contact_id, since))
    return found
