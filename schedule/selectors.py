"""Reads of the schedule for its pages, always within one practice: each source's health,
the appointments no patient was found for, and the runs of a source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.timesince import timesince

from contacts.models import Contact
from contacts.selectors import contact_list
from reactivate.models import Practice
from schedule.models import Appointment, Source, SyncRun
from schedule.sync import summary

RECENT_RUNS = 10
MATCH_CHOICES = 20

# The counts the health page shows for a run, with their words.
RUN_COUNTS = (
    ("read", "Read"),
    ("created", "New"),
    ("updated", "Changed"),
    ("unchanged", "Unchanged"),
    ("matched", "Matched to a patient"),
    ("unmatched", "No patient found"),
    ("enrollments_scheduled", "Enrollments moved to scheduled"),
    ("touches_skipped", "Touches skipped"),
    ("showed", "Showed"),
    ("no_show", "No-shows"),
    ("cancelled", "Cancelled"),
    ("errors", "Problems"),
)


def run_counts(run: SyncRun) -> list[tuple[str, int]]:
    """The run's counts in words, in the order the page shows them."""
    counts = summary(run)
    return [(label, counts[key]) for key, label in RUN_COUNTS]


def ago(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """'3 hours ago' ('never' for no time): how long ago, in words."""
    if moment is None:
        return "never"
    now = now or timezone.now()
    if now - moment < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, now, depth=1)} ago"


@dataclass
class SourceHealth:
    source: Source
    lag: str  # since the last successful sync, in words
    last_run: SyncRun | None
    runs: list[SyncRun] = field(default_factory=list)
    unmatched: int = 0

    @property
    def counts(self) -> list[tuple[str, int]]:
        return run_counts(self.last_run) if self.last_run else []


def sources_health(practice: Practice, now: dt.datetime | None = None) -> list[SourceHealth]:
    """Every source of the practice with its lag, its last run and its recent runs."""
    now = now or timezone.now()
    health = []
    for source in Source.objects.filter(practice=practice).order_by("name"):
        runs = list(SyncRun.objects.filter(source=source).order_by("-started_at")[:RECENT_RUNS])
        health.append(
            SourceHealth(
                source=source,
                lag=ago(source.last_success_at, now),
                last_run=runs[0] if runs else None,
                runs=runs,
                unmatched=unmatched_appointments(practice).filter(source=source).count(),
            )
        )
    return health


def source_get(practice: Practice, source_id: int) -> Source:
    return Source.objects.get(practice=practice, pk=source_id)


def run_get(practice: Practice, run_id: int) -> SyncRun:
    return SyncRun.objects.select_related("source").get(practice=practice, pk=run_id)


def unmatched_appointments(practice: Practice) -> QuerySet[Appointment]:
    """Appointments of the practice no patient was found for (still at the source), the
    newest first: the review list."""
    return (
        Appointment.objects.filter(practice=practice, contact__isnull=True, deleted_at__isnull=True)
        .select_related("source")
        .order_by("-start", "-id")
    )


def unmatched_get(practice: Practice, appointment_id: int) -> Appointment:
    return unmatched_appointments(practice).get(pk=appointment_id)


def match_choices(practice: Practice, text: str) -> list[Contact]:
    """The practice's live contacts a person may mean by ``text``: the EMR id exactly,
    then names (the contacts list's search), at most MATCH_CHOICES."""
    text = text.strip()
    if not text:
        return []
    by_id = list(
        Contact.objects.live().filter(Q(external_id__iexact=text), practice=practice)[
            :MATCH_CHOICES
        ]
    )
    today = practice.today()
    by_name = (
        contact_list(practice, today, search=text)
        .exclude(pk__in=[c.pk for c in by_id])
        .order_by("last_name", "first_name", "pk")[: MATCH_CHOICES - len(by_id)]
    )
    return by_id + list(by_name)
