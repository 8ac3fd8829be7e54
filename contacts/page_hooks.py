"""What later apps add to the contact page: enrolling the patient in a campaign (campaigns)
and, optionally, notes about consent kept elsewhere (outreach: an opt-out of the number).

``contacts`` never imports ``campaigns`` or ``outreach`` (DESIGN §3); like
``contacts.history``, each registers its part from its ``AppConfig.ready()``, and the page
shows whatever is registered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from contacts.models import Contact
from reactivate.models import Practice


@dataclass(frozen=True, slots=True)
class EnrollChoices:
    """The patient's open enrollment ("" when none) and, when none, the campaigns one can
    enroll them in, as (id, name)."""

    open_enrollment: str = ""
    campaigns: list[tuple[int, str]] = field(default_factory=list)


# (contact, practice) -> EnrollChoices
Choices = Callable[[Contact, Practice], EnrollChoices]
# (contact, practice, campaign id, today) -> the campaign's name; ValidationError to refuse
Enroll = Callable[[Contact, Practice, int, dt.date], str]
# (contact) -> sentences about the patient's consent that the contacts app does not keep
ConsentNotes = Callable[[Contact], list[str]]


@dataclass(frozen=True, slots=True)
class Enrolling:
    choices: Choices
    enroll: Enroll


_ENROLLING: dict[str, Enrolling] = {}
_CONSENT_NOTES: dict[str, ConsentNotes] = {}


def enrolling_register(name: str, *, choices: Choices, enroll: Enroll) -> None:
    """Register (or replace: ``ready()`` may run twice in tests) how patients are enrolled."""
    _ENROLLING[name] = Enrolling(choices=choices, enroll=enroll)


def enrolling() -> Enrolling | None:
    return next(iter(_ENROLLING.values()), None)


def consent_notes_register(name: str, notes: ConsentNotes) -> None:
    _CONSENT_NOTES[name] = notes


def consent_notes(contact: Contact) -> list[str]:
    return [note for notes in _CONSENT_NOTES.values() for note in notes(contact)]
