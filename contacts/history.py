"""What the later apps keep about a contact: what a merge moves onto the survivor, and what
the contact page's timeline shows.

``contacts`` is imported by ``campaigns`` and ``outreach``, never the other way round
(DESIGN §3), so each of them registers a source here from its ``AppConfig.ready()``: the
merge and the contact page then reach every app's history without knowing the apps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from contacts.models import Contact, ContactMerge, ImportRow


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: dt.datetime
    what: str
    note: str = ""


Move = Callable[[Contact, Contact], None]  # (merged, survivor), in the merge's transaction
Timeline = Callable[[list[int]], Iterable[TimelineEntry]]  # a record's contact ids


@dataclass(frozen=True, slots=True)
class HistorySource:
    move: Move
    timeline: Timeline


_SOURCES: dict[str, HistorySource] = {}


def history_source_register(name: str, *, move: Move, timeline: Timeline) -> None:
    """Register (or replace: ``ready()`` may run twice in tests) one app's history."""
    _SOURCES[name] = HistorySource(move=move, timeline=timeline)


def history_move(*, merged: Contact, survivor: Contact) -> None:
    """Move every app's history of ``merged`` onto ``survivor``. A source may refuse the
    merge with a ValueError whose words a person reads; the merge's transaction then
    writes nothing."""
    for source in _SOURCES.values():
        source.move(merged, survivor)


def history_timeline(contact: Contact) -> list[TimelineEntry]:
    """Every app's entries about ``contact`` and the records merged into it (logs that are
    never rewritten, like outcomes, keep the merged record's id), newest first. One query
    per source, whatever the length of the history."""
    ids = [contact.pk, *Contact.objects.filter(merged_into=contact).values_list("pk", flat=True)]
    entries = [entry for source in _SOURCES.values() for entry in source.timeline(ids)]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


# The contacts app's own part: import rows and earlier merges.


def imports_merge(merged: Contact, survivor: Contact) -> None:
    ImportRow.objects.filter(contact=merged.pk).update(contact=survivor.pk)
    # Records merged into the merged one now point at the survivor: one level, always.
    Contact.objects.filter(merged_into=merged.pk).update(merged_into=survivor.pk)


def imports_timeline(contact_ids: list[int]) -> Iterable[TimelineEntry]:
    rows = ImportRow.objects.filter(contact_id__in=contact_ids).select_related("batch")
    for row in rows.order_by():
        yield TimelineEntry(
            row.batch.created_at,
            f"Imported (row {row.row}): {row.get_result_display()}",
            row.message,
        )
    merges = ContactMerge.objects.filter(survivor_id__in=contact_ids).select_related("merged")
    for merge in merges.order_by():
        merged = merge.merged
        emr = f", EMR id {merged.external_id}" if merged.external_id else ""
        yield TimelineEntry(
            merge.at,
            f"Merged another record into this one: {merged.full_name}{emr}",
            merge.automatic_reason,
        )
