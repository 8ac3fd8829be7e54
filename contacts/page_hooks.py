"""What later apps add to the contact page: enrolling the patient in a campaign (campaigns)
and the channels blocked by consent kept elsewhere (outreach: an opt-out of the number or
address, which covers every patient at it).

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
# (contact) -> {channel ("sms", "call", "email"): why it may not reach them} for blocks the
# contacts app does not keep
ChannelBlocks = Callable[[Contact], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Enrolling:
    choices: Choices
    enroll: Enroll


_ENROLLING: dict[str, Enrolling] = {}
_CHANNEL_BLOCKS: dict[str, ChannelBlocks] = {}


def enrolling_register(name: str, *, choices: Choices, enroll: Enroll) -> None:
    """Register (or replace: ``ready()`` may run twice in tests) how patients are enrolled."""
    _ENROLLING[name] = Enrolling(choices=choices, enroll=enroll)


def enrolling() -> Enrolling | None:
    return next(iter(_ENROLLING.values()), None)


def channel_blocks_register(name: str, blocks: ChannelBlocks) -> None:
    """Register (or replace) an app's blocks of the patient's channels."""
    _CHANNEL_BLOCKS[name] = blocks


def channel_blocks(contact: Contact) -> dict[str, str]:
    """Every registered app's blocks of the patient's channels (the first reason per
    channel)."""
    found: dict[str, str] = {}
    for blocks in _CHANNEL_BLOCKS.values():
        for channel, words in blocks(contact).items():
            found.setdefault(channel, words)
    return found
