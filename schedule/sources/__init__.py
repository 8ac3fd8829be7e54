"""The sources of a practice's schedule, one module each, behind one interface.

A reader is built for one ``Source`` and yields ``Page``s (``schedule.records``); the sync
(``schedule.sync``) applies each page in its own transaction and keeps its checkpoint, so
a read that stops half-way resumes where it stopped. A new source (Open Dental's API and
its "API Events" webhooks is the obvious next one) is one module with a class like these,
added to ``READERS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from schedule.records import Page


class SourceError(Exception):
    """A source cannot be read at all (the server does not answer, the file is not a
    table): one sentence a practice admin understands. Vendor errors map to this."""


class Reader(Protocol):
    def pages(self) -> Iterator[Page]:
        """The source's appointments changed since its checkpoint, page by page."""
        ...
