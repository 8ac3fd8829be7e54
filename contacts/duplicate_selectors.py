"""Reads for duplicate review, always within one practice."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from contacts import hygiene
from contacts.models import CandidateStatus, DuplicateCandidate

# Filter value → label, and the words ``pair_scoring.pair_compare`` writes in a pair's
# evidence (``reason``).
REASONS = {
    "phone": ("Same phone", Q(reason__contains="same phone")),
    "email": ("Same email", Q(reason__contains="same email") | Q(reason__contains="and email")),
    "birth_date": ("Same birth date", Q(reason__contains="same birth date")),
    "address": ("Same address", Q(reason__contains="same address")),
    # Pairs recorded before calibrated scores (0.1) said "different first name (family?)".
    "family": (
        "First names differ (often family)",
        Q(reason__contains="often family") | Q(reason__contains="different first name"),
    ),
    "other_birth_date": ("Different birth dates", Q(reason__contains="different birth dates")),
}
# Scores are calibrated: the share of pairs like it that were one person (pair_scoring).
SCORES = {
    "high": ("90% and above", Q(score__gte=0.9)),
    "medium": ("75% to 89%", Q(score__gte=0.75, score__lt=0.9)),
    "low": ("Below 75%", Q(score__lt=0.75)),
}
SORTS = {
    "score": ("Highest score first", ("-score", "id")),
    "score_asc": ("Lowest score first", ("score", "id")),
    "newest": ("Newest first", ("-created_at", "-id")),
    "oldest": ("Oldest first", ("created_at", "id")),
}


def candidate_list(
    practice,
    *,
    q: str = "",
    reason: str = "",
    score: str = "",
    status: str = CandidateStatus.OPEN,
    sort: str = "score",
) -> QuerySet[DuplicateCandidate]:
    """The practice's pairs, filtered and sorted; both records read in the same query."""
    query = DuplicateCandidate.objects.filter(practice=practice, status=status or "open")
    # Each word of the search, accents folded ("José" finds "Jose"), in either record's
    # first or last name: the stored name_key is "first|last" in the same folded letters.
    for word in q.split():
        key = hygiene.name_key(word, "")[:-1]
        if key:
            query = query.filter(
                Q(contact_a__name_key__contains=key) | Q(contact_b__name_key__contains=key)
            )
    if reason in REASONS:
        query = query.filter(REASONS[reason][1])
    if score in SCORES:
        query = query.filter(SCORES[score][1])
    order = SORTS.get(sort, SORTS["score"])[1]
    return query.select_related("contact_a", "contact_b", "decided_by").order_by(*order)


def candidate_next(practice, *, after: DuplicateCandidate) -> DuplicateCandidate | None:
    """The open pair to review after ``after``: the first still open in the list's order."""
    return candidate_list(practice).exclude(pk=after.pk).select_related(None).first()


def candidates_identical_identity(practice) -> QuerySet[DuplicateCandidate]:
    """Open pairs whose identity agrees as the automatic merge rules read it (DESIGN §4):
    the same name (accents and punctuation folded) and the same phone, email or birth
    date, with nothing against it: no two different birth dates, no two different EMR
    ids (two charts are for a person to look at), both records still live."""
    a, b = "contact_a__", "contact_b__"
    same = lambda field: Q(**{f"{a}{field}": F(f"{b}{field}")})  # noqa: E731
    return (
        DuplicateCandidate.objects.filter(practice=practice, status=CandidateStatus.OPEN)
        .filter(same("name_key"), **{f"{a}merged_into": None, f"{b}merged_into": None})
        .exclude(**{f"{a}name_key": ""})
        .filter(
            (same("phone") & ~Q(**{f"{a}phone": ""}))
            | (same("email") & ~Q(**{f"{a}email": ""}))
            | (same("date_of_birth") & Q(**{f"{a}date_of_birth__isnull": False}))
        )
        .exclude(
            ~same("date_of_birth")
            & Q(**{f"{a}date_of_birth__isnull": False, f"{b}date_of_birth__isnull": False})
        )
        .exclude(
            ~same("external_id") & ~Q(**{f"{a}external_id": ""}) & ~Q(**{f"{b}external_id": ""})
        )
        .select_related("contact_a", "contact_b")
        .order_by("id")
    )
