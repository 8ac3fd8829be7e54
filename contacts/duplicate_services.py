"""Decisions on duplicate candidates that people make from the review pages. The merge
itself is ``dedupe.contact_merge``; this module decides which pairs and in what unit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from contacts.dedupe import candidate_dismiss, contact_merge
from contacts.models import CandidateStatus, Contact, ContactMerge, DuplicateCandidate


class AlreadyDecided(ValueError):
    """The pair was decided already (by someone else, or by a merge of one of its records)."""


@dataclass
class BulkResult:
    merged: int = 0
    skipped: int = 0  # decided or merged away since the preview
    failed: list[tuple[DuplicateCandidate, str]] = field(default_factory=list)


def candidate_decide(
    *,
    candidate: DuplicateCandidate,
    decision: str,
    user,
    audit: Callable[[ContactMerge], None],
) -> ContactMerge | None:
    """Apply "keep_a", "keep_b" or "dismiss" to an open pair. Raises AlreadyDecided for a
    decided pair (a second click must not turn a merge into "not the same person") and
    ValueError, writing nothing, when the merge is refused."""
    if candidate.status != CandidateStatus.OPEN:
        raise AlreadyDecided("This pair was already decided.")
    if decision == "dismiss":
        candidate_dismiss(candidate=candidate, user=user)
        return None
    a, b = candidate.contact_a, candidate.contact_b
    survivor, merged = (a, b) if decision == "keep_a" else (b, a)
    with transaction.atomic():
        record = contact_merge(survivor=survivor, merged=merged, user=user)
        audit(record)
    return record


def bulk_survivor(candidate: DuplicateCandidate) -> tuple[Contact, Contact]:
    """(survivor, merged) for a bulk merge: the record with the EMR id when only one has
    one (the chart the practice's system knows), else the older record."""
    a, b = candidate.contact_a, candidate.contact_b
    if b.external_id and not a.external_id:
        return b, a
    return a, b


def candidates_merge_all(
    candidates: Iterable[DuplicateCandidate],
    *,
    user,
    audit: Callable[[ContactMerge], None],
) -> BulkResult:
    """Merge each pair in its own transaction, so a refused pair (two open enrollments,
    say) leaves the others merged; each merge is audited inside its transaction."""
    result = BulkResult()
    for candidate in candidates:
        # A merge earlier in this loop may have closed this pair or merged one of its records.
        candidate.refresh_from_db(fields=["status"])
        if candidate.status != CandidateStatus.OPEN:
            result.skipped += 1
            continue
        survivor, merged = bulk_survivor(candidate)
        try:
            with transaction.atomic():
                audit(contact_merge(survivor=survivor, merged=merged, user=user))
        except ValueError as error:
            result.failed.append((candidate, str(error)))
        else:
            result.merged += 1
    return result
