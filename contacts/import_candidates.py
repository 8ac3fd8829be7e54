"""An import's duplicate candidates, found for each chunk once it has committed, in a
thread on a database connection of its own, while the import writes the next chunk.

Why a thread: finding a chunk's candidates is mostly PostgreSQL's work (one block
statement per kind of block, ``contacts.candidates``), and so is writing a chunk. In turn,
one of the machine's cores waited while the other worked; side by side, on two
connections, PostgreSQL works on both at once. The thread's connection cannot see a
chunk before it commits, so a chunk's candidates commit after it, in a transaction of
their own, which moves the batch's ``candidates_through`` up to the chunk's last row: a
run that stops between the two finds the missing candidates when it resumes
(``import_runs.import_batch_run``).

An import run inside a transaction of its caller's (``seed_demo`` loads the whole demo
in one) commits nothing another connection could see until the caller does: there each
chunk's candidates are found in the import's own thread and connection, after the chunk.

The thread does not write the batch itself: the import's transaction holds the batch's
row while it writes a chunk, and the thread would wait for it with its work done. It
reports what it found (``collect``), and the import records it with its next chunk.

Pairs are still found once: a chunk's thread work sees every earlier chunk (committed)
and no later one; the later chunk's own work pairs its contacts with this one's.
"""

from __future__ import annotations

import queue
import threading

from django.db import connection, transaction

from contacts.candidates import CandidateRow, candidates_find_among
from reactivate.models import Practice

# What the thread is handed for one chunk: its new and changed contacts as written, the
# highest contact id when it committed, and its last row.
Job = tuple[list[CandidateRow], int, int]
_STOP = None


class CandidateFinder:
    """The thread: ``submit`` a committed chunk's contacts, ``collect`` what it has
    found since, ``finish`` once all are submitted. At most one chunk waits while one is
    worked on, so an import holds the contacts of three chunks at most; ``submit`` blocks
    until there is room."""

    def __init__(self, practice: Practice, oversized: set) -> None:
        self._practice, self._oversized = practice, oversized
        self._jobs: queue.Queue[Job | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._found = self._through = 0
        # In a transaction of the caller's, the chunks are hidden from other connections.
        self._threaded = not connection.in_atomic_block
        self._thread = threading.Thread(target=self._run, name="import-candidates", daemon=True)
        if self._threaded:
            self._thread.start()

    def submit(self, subjects: list[CandidateRow], last_id: int, through_row: int) -> None:
        self._raise_if_failed()
        if self._threaded:
            self._jobs.put((subjects, last_id, through_row))
        else:
            self._find(subjects, last_id, through_row)

    def collect(self) -> tuple[int, int]:
        """(candidates found, the last row they are found through) since the last call;
        (0, 0) when no chunk was finished since."""
        with self._lock:
            done = (self._found, self._through)
            self._found = self._through = 0
        return done

    def finish(self) -> None:
        """Wait for every submitted chunk; raises what the thread met."""
        if self._threaded:
            self._jobs.put(_STOP)
            self._thread.join()
        self._raise_if_failed()

    def abandon(self) -> None:
        """Stop after the chunk in hand (the import failed): the rest are found when the
        batch resumes. Raises nothing (the import's own error is the one to tell)."""
        if not self._threaded:
            return
        while True:
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        self._jobs.put(_STOP)
        self._thread.join()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            while (job := self._jobs.get()) is not _STOP:
                self._find(*job)
        except BaseException as error:  # raised in the import's thread at its next step
            self._error = error
            # Keep taking work so a blocked ``submit`` returns and sees the error.
            while self._jobs.get() is not _STOP:
                pass
        finally:
            connection.close()  # this thread's own connection

    def _find(self, subjects: list[CandidateRow], last_id: int, through_row: int) -> None:
        with transaction.atomic():
            found = candidates_find_among(self._practice, subjects, self._oversized, last_id)
        with self._lock:
            self._found += found
            self._through = through_row
