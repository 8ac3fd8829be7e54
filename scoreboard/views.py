"""The owner's dashboard, the shows page and the CSV exports. Views parse the request, call
``scoreboard.selectors`` / ``scoreboard.report`` (reads) or ``campaigns.bookings``
(writes), and render. Coordinators see their own numbers only; owners and admins see the
practice's, and they alone mark shows and export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from campaigns.bookings import appointments_mark
from contacts.exports import csv_download
from reactivate.access import Area, practice_view
from reactivate.audit import audit_record
from reactivate.models import AuditAction, Role
from scoreboard import charts, schedule_figures, selectors
from scoreboard import shows as shows_selectors
from scoreboard.exports import outcome_log_csv, scoreboard_csv
from scoreboard.forms import (
    PRESETS,
    AssumptionsForm,
    PeriodForm,
    ShowsMarkForm,
)
from scoreboard.report import MIN_APPOINTMENTS, MIN_CONTACTED, scoreboard_report


def _own_numbers(request: HttpRequest) -> int | None:
    """A coordinator's own user id (they see only their numbers); None for the others."""
    return request.user.pk if request.access.role == Role.COORDINATOR else None


def _scope(request: HttpRequest):
    practice = request.access.practice
    own = _own_numbers(request)
    campaigns = selectors.campaign_names(practice)
    coordinators = selectors.coordinator_names(practice)
    form = PeriodForm(
        request.GET or None, campaigns=campaigns, coordinators=None if own else coordinators
    )
    start, end = form.dates(practice.today())
    narrowing = form.narrowing()
    if own is not None:
        narrowing["coordinator_id"] = own
    scope = selectors.Scope(practice, start, end, **narrowing)
    return scope, form, campaigns, coordinators


def _sync_health_url(practice) -> str:
    """The schedule's sync health page, where the app has one (else the warning is words
    only)."""
    try:
        return reverse("schedule:health", kwargs={"practice_slug": practice.slug})
    except NoReverseMatch:
        return ""


def _owner_only(request: HttpRequest) -> None:
    if _own_numbers(request) is not None:
        raise PermissionDenied


@practice_view(Area.DASHBOARD)
def dashboard(request: HttpRequest) -> HttpResponse:
    scope, form, campaigns, coordinators = _scope(request)
    assumptions_form = AssumptionsForm(request.GET or None)
    report = scoreboard_report(
        scope, assumptions_form.assumptions(), campaigns=campaigns, coordinators=coordinators
    )
    own = _own_numbers(request)
    lost_rows = [(label, n) for _key, label, n in report.lost.by_category]
    return render(
        request,
        "scoreboard/dashboard.html",
        {
            "report": report,
            "totals": report.totals,
            "form": form,
            "assumptions_form": assumptions_form,
            "presets": PRESETS,
            "active_preset": request.GET.get("period") or ("" if "start" in request.GET else "12w"),
            "own_numbers": own is not None,
            "can_change": request.access.can_change(Area.DASHBOARD),
            "patterns_svg": charts.patterns_svg(),
            "funnel_svg": charts.funnel_chart(report.funnel),
            "weekly_svg": charts.weekly_chart(report.weeks),
            "lost_svg": charts.bars_chart("What mattered most", lost_rows) if lost_rows else "",
            "lift_svg": charts.lift_chart(report.lift),
            "show_lift_svg": charts.lift_chart(report.show_lift, "True lift of shows"),
            "sync_health_url": _sync_health_url(scope.practice),
            "waiting": shows_selectors.appointments_waiting(scope.practice, coordinator_id=own),
            "rebuild": selectors.rollups_rebuild_pending(scope.practice),
            "min_contacted": MIN_CONTACTED,
            "min_appointments": MIN_APPOINTMENTS,
            "query": request.GET.urlencode(),
        },
    )


@practice_view(Area.DASHBOARD)
def shows(request: HttpRequest) -> HttpResponse:
    """Past and today's scheduled appointments: mark showed / no-show in bulk (where the
    practice's schedule is not connected: a synced schedule records them itself)."""
    practice = request.access.practice
    own = _own_numbers(request)
    unmarked_only = request.GET.get("which") != "all"
    if request.method == "POST":
        ids = [int(pk) for pk in request.POST.getlist("enrollments") if pk.isdigit()]
        form = ShowsMarkForm(request.POST, choices=ids)
        if not form.is_valid():
            messages.error(request, "Choose appointments and whether they showed.")
        else:
            marked, refused = appointments_mark(
                practice,
                form.cleaned_data["enrollments"],
                showed=form.cleaned_data["result"] == "showed",
                user=request.user,
            )
            if marked:
                audit_record(
                    request,
                    AuditAction.CHANGED,
                    object_type="campaigns.enrollment",
                    detail={"appointments_marked": marked, "result": form.cleaned_data["result"]},
                )
                messages.success(request, f"{marked} appointment(s) marked.")
            for _pk, why in refused:
                messages.error(request, why)
        return redirect("scoreboard:shows", practice_slug=practice.slug)
    appointments = shows_selectors.appointments_to_mark(
        practice, coordinator_id=own, unmarked_only=unmarked_only
    )
    return render(
        request,
        "scoreboard/shows.html",
        {
            "appointments": appointments,
            "unmarked_only": unmarked_only,
            "can_change": request.access.can_change(Area.DASHBOARD),
            "schedule": schedule_figures.schedule_state(practice),
            "sync_health_url": _sync_health_url(practice),
        },
    )


def _export(
    request: HttpRequest, scope: selectors.Scope, object_type: str, lines, name: str
) -> StreamingHttpResponse:
    """The owner's CSV of the period, recorded in the audit log."""
    audit_record(
        request,
        AuditAction.EXPORTED,
        object_type=object_type,
        detail={"format": "csv", "start": str(scope.start or ""), "end": str(scope.end)},
    )
    return csv_download(lines, f"{name}-{scope.practice.slug}.csv")


@practice_view(Area.DASHBOARD)
@require_GET
def export_scoreboard(request: HttpRequest) -> StreamingHttpResponse:
    _owner_only(request)
    scope, _form, campaigns, coordinators = _scope(request)
    report = scoreboard_report(scope, campaigns=campaigns, coordinators=coordinators)
    return _export(request, scope, "scoreboard.scoreboard", scoreboard_csv(report), "scoreboard")


@practice_view(Area.DASHBOARD)
@require_GET
def export_outcomes(request: HttpRequest) -> StreamingHttpResponse:
    _owner_only(request)
    scope, *_ = _scope(request)
    return _export(request, scope, "campaigns.outcome", outcome_log_csv(scope), "outcomes")
