"""CSV exports: the scoreboard's numbers and the outcome log, formula-safe (every value
goes through ``contacts.csv_safety.csv_safe`` by way of ``contacts.exports.csv_lines``)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef
from django.utils import timezone

from campaigns.models import Outcome
from contacts.exports import csv_lines
from scoreboard.report import Report, Row
from scoreboard.selectors import Counts, Scope

SCOREBOARD_COLUMNS = (
    "section",
    "group",
    "contacted",
    "reached",
    "replied",
    "qualified",
    "scheduled",
    "showed",
    "decisions",
    "appointments_due",
    "reply_rate",
    "qualification_rate",
    "scheduled_rate",
    "scheduled_per_contacted",
    "show_rate",
    "decision_rate",
    "revenue_recovered",
)
OUTCOME_COLUMNS = (
    "id",
    "at",
    "kind",
    "effective",
    "corrects",
    "enrollment",
    "campaign",
    "bucket",
    "coordinator",
    "contact",
    "external_id",
    "recorded_by",
    "appointment_at",
    "reason_category",
    "what_mattered_most",
    "note",
    "source",  # who said so: practice_system (the synced schedule) or reactivate
)


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _line(section: str, group: str, c: Counts, *, rates: bool = True) -> tuple:
    """``rates``: False for a week, whose counts are events dated in that week (as the
    page's weekly table shows them), not one cohort of patients: a patient who replied in
    one week and was scheduled the next is in one week's "scheduled" and the other's
    "replied", so a week's ratio is no rate the page defines (it read 300%)."""
    if not rates:
        rates_of = ("",) * 6
    else:
        rates_of = tuple(
            _rate(value)
            for value in (
                c.reply_rate,
                c.qualification_rate,
                c.scheduled_rate,
                c.scheduled_per_contacted,
                c.show_rate,
                c.decision_rate,
            )
        )
    return (
        section,
        group,
        c.contacted,
        c.reached,
        c.replied,
        c.qualified,
        c.scheduled,
        c.showed,
        c.decisions,
        c.appointments_due,
        *rates_of,
        f"{c.revenue_recovered:.2f}",
    )


def scoreboard_csv(report: Report) -> Iterator[str]:
    """The period's totals, then one line per week (counts only, as on the page), bucket,
    coordinator, campaign and opener variant (an empty rate means its denominator was 0)."""
    scope = report.scope
    period = f"{scope.start or 'start'} to {scope.end}"

    def rows():
        yield _line("total", period, report.totals)
        for week, counts in report.weeks:
            yield _line("week", f"{week:%Y-%m-%d}", counts, rates=False)
        sections: tuple[tuple[str, list[Row]], ...] = (
            ("bucket", report.by_bucket),
            ("coordinator", report.by_coordinator),
            ("campaign", report.by_campaign),
            ("opener_variant", report.variants),
        )
        for section, table in sections:
            for row in table:
                yield _line(section, row.label, row.counts)

    return csv_lines(SCOREBOARD_COLUMNS, rows())


def outcome_log_csv(scope: Scope) -> Iterator[str]:
    """Every outcome of the scope's period, oldest first, with whether it still counts
    (``effective``: no later entry corrects it), what it corrects, and who said so
    (``source``: the practice's synced schedule, or Reactivate and its coordinators)."""
    zone = scope.practice.time_zone
    entries = Outcome.objects.filter(
        practice=scope.practice, at__gte=scope.starts_at, at__lt=scope.ends_at
    )
    if any(v is not None for v in (scope.campaign_id, scope.bucket, scope.coordinator_id)):
        entries = entries.filter(scope.enrollment_q("enrollment__"))
    entries = (
        entries.annotate(corrected=Exists(Outcome.objects.filter(corrects=OuterRef("pk"))))
        .select_related("enrollment__campaign", "enrollment__coordinator", "contact", "user")
        .order_by("at", "id")
    )

    def local(value):
        return timezone.localtime(value, zone).isoformat() if value else ""

    def rows():
        for o in entries.iterator(chunk_size=2000):
            e = o.enrollment
            yield (
                o.pk,
                local(o.at),
                o.kind,
                "no" if o.corrected else "yes",
                o.corrects_id or "",
                e.pk if e else "",
                e.campaign.name if e else "",
                e.bucket if e else "",
                e.coordinator.get_username() if e and e.coordinator else "",
                o.contact_id,
                o.contact.external_id,
                o.user.get_username() if o.user else "",
                local(o.appointment_at),
                o.reason_category,
                o.reason_text,
                o.note,
                o.source or "reactivate",
            )

    return csv_lines(OUTCOME_COLUMNS, rows())
