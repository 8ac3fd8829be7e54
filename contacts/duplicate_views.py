"""Duplicate review: the list of pairs, one pair side by side, and the bulk merge of pairs
whose identity agrees. Views parse, call a selector or service, render.

The search box is a GET parameter (bookmarkable, the back button works); it is the only
place a name travels in a URL (the standard for search boxes)."""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from contacts.duplicate_selectors import (
    REASONS,
    SCORES,
    SORTS,
    candidate_list,
    candidate_next,
    candidates_identical_identity,
)
from contacts.duplicate_services import (
    AlreadyDecided,
    bulk_survivor,
    candidate_decide,
    candidates_merge_all,
)
from contacts.models import CandidateStatus, DuplicateCandidate
from reactivate.access import Area, practice_view
from reactivate.audit import audit_record
from reactivate.models import AuditAction

PAGE_SIZE = 50
PREVIEW_SHOWN = 200  # pairs listed in the bulk preview; the count covers them all


def _choices(options: dict, blank: str) -> list[tuple[str, str]]:
    return [("", blank), *((value, label) for value, (label, _) in options.items())]


class DuplicateFilterForm(forms.Form):
    q = forms.CharField(label="Search by name", required=False, max_length=100)
    reason = forms.ChoiceField(label="Why", required=False, choices=_choices(REASONS, "Any"))
    score = forms.ChoiceField(label="Score", required=False, choices=_choices(SCORES, "Any"))
    status = forms.ChoiceField(
        label="Decision", required=False, choices=CandidateStatus.choices, initial="open"
    )
    sort = forms.ChoiceField(
        label="Sort", required=False, choices=[(k, v[0]) for k, v in SORTS.items()]
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


def _slug(request: HttpRequest) -> str:
    return request.access.practice.slug


@practice_view(Area.DUPLICATES)
def duplicates(request: HttpRequest) -> HttpResponse:
    form = DuplicateFilterForm(request.GET or None)
    filters = form.cleaned_data.copy() if form.is_valid() else {}
    page_number = filters.pop("page", None) or 1
    pairs = candidate_list(request.access.practice, **{k: v or "" for k, v in filters.items()})
    page = Paginator(pairs, PAGE_SIZE).get_page(page_number)
    context = {
        "form": form,
        "page": page,
        "filtered": any(filters.get(k) for k in ("q", "reason", "score")),
        "can_change": request.access.can_change(Area.DUPLICATES),
        "identical": candidates_identical_identity(request.access.practice).count(),
    }
    return render(request, "contacts/duplicates.html", context)


COMPARED = (
    ("Name", "full_name"),
    ("EMR id", "external_id"),
    ("Phone", "phone"),
    ("Phone as typed", "phone_raw"),
    ("Email", "email"),
    ("Birth date", "date_of_birth"),
    ("Address", "address"),
    ("Postal code", "postal_code"),
    ("Last outcome", "get_last_outcome_display"),
    ("Last activity", "last_activity"),
    ("Do not contact", "do_not_contact"),
    ("SMS opt-out", "sms_opt_out_at"),
    ("Email opt-out", "email_opt_out_at"),
)


def _value(contact, name):
    value = getattr(contact, name)
    if callable(value):
        value = value()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


@practice_view(Area.DUPLICATES)
def duplicate_review(request: HttpRequest, candidate_id: int) -> HttpResponse:
    practice = request.access.practice
    candidate = get_object_or_404(
        DuplicateCandidate.objects.select_related("contact_a", "contact_b", "decided_by"),
        practice=practice,
        pk=candidate_id,
    )
    if request.method == "POST":
        return _duplicate_decide(request, candidate)
    audit_record(request, AuditAction.VIEWED, candidate)
    a, b = candidate.contact_a, candidate.contact_b
    rows = [(label, _value(a, name), _value(b, name)) for label, name in COMPARED]
    return render(
        request,
        "contacts/duplicate_review.html",
        {
            "candidate": candidate,
            "a": a,
            "b": b,
            "rows": rows,
            "decided": candidate.status != CandidateStatus.OPEN,
            "can_change": request.access.can_change(Area.DUPLICATES),
        },
    )


def _audit_merge(request: HttpRequest, **extra):
    def audit(record) -> None:
        detail = {"merged": record.merged_id, **extra}
        audit_record(request, AuditAction.MERGED, record.survivor, detail=detail)

    return audit


def _duplicate_decide(request: HttpRequest, candidate: DuplicateCandidate) -> HttpResponse:
    decision = request.POST.get("decision")
    if decision not in ("keep_a", "keep_b", "dismiss"):
        messages.error(request, "Choose which record to keep, or 'not the same person'.")
        return redirect(request.path)
    try:
        candidate_decide(
            candidate=candidate, decision=decision, user=request.user, audit=_audit_merge(request)
        )
    except AlreadyDecided as error:
        messages.error(request, str(error))
        return redirect(request.path)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(request.path)
    if decision == "dismiss":
        messages.success(request, "Kept as two people; this pair will not be proposed again.")
    else:
        messages.success(request, "Merged; the strictest consent was kept.")
    following = candidate_next(request.access.practice, after=candidate)
    if following is None:
        messages.info(request, "That was the last pair waiting for review.")
        return redirect("contacts:duplicates", practice_slug=_slug(request))
    return redirect(
        "contacts:duplicate_review", practice_slug=_slug(request), candidate_id=following.pk
    )


def _fingerprint(ids: list[int]) -> str:
    """Names the exact set of pairs a preview showed, so a confirmation merges that set
    and no other (a pair found or decided in between changes it)."""
    return hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()[:32]


@practice_view(Area.DUPLICATES)
def duplicates_merge_identical(request: HttpRequest) -> HttpResponse:
    """GET: which pairs would be merged, and how many. POST: merge them, one transaction
    per pair, and say what happened."""
    practice = request.access.practice
    pairs = list(candidates_identical_identity(practice))
    fingerprint = _fingerprint([pair.pk for pair in pairs])
    if request.method == "POST":
        if request.POST.get("fingerprint") != fingerprint:
            messages.error(
                request, "The pairs changed since the preview. Check the new list, then confirm."
            )
        elif pairs:
            result = candidates_merge_all(
                pairs, user=request.user, audit=_audit_merge(request, bulk=True)
            )
            _say_what_happened(request, result)
            return redirect("contacts:duplicates", practice_slug=_slug(request))
    context = {
        "pairs": [(*bulk_survivor(pair), pair.reason) for pair in pairs[:PREVIEW_SHOWN]],
        "count": len(pairs),
        "more": max(len(pairs) - PREVIEW_SHOWN, 0),
        "fingerprint": fingerprint,
        "list_url": reverse("contacts:duplicates", kwargs={"practice_slug": practice.slug}),
    }
    return render(request, "contacts/duplicates_merge_identical.html", context)


def _say_what_happened(request: HttpRequest, result) -> None:
    plural = "" if result.merged == 1 else "s"
    messages.success(request, f"Merged {result.merged} pair{plural} with identical identity.")
    if result.skipped:
        messages.info(
            request, f"{result.skipped} pair(s) were already decided or merged away, so skipped."
        )
    for candidate, reason in result.failed:
        messages.error(
            request,
            f"Not merged: {candidate.contact_a.full_name} and "
            f"{candidate.contact_b.full_name}: {reason}",
        )
