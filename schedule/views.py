"""The schedule's pages: upload an appointment export (mapping, preview, sync), the
appointments no patient was found for (matched by hand), and each source's health.

Uploading and matching are the admin's import work (``Area.IMPORTS``: owners may look);
the sources, their runs and "sync now" are the practice's settings (``Area.SETTINGS``).
Search text is posted, never put in the URL: a patient's name must not reach access logs.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from contacts.forms import UploadForm
from contacts.import_files import ImportUploadHandler
from contacts.models import Contact
from reactivate.access import Area, practice_view, upload_form, upload_view
from reactivate.audit import audit_record
from reactivate.models import AuditAction
from schedule import page_tasks, selectors
from schedule.connections import fhir_source_save
from schedule.forms import FhirSourceForm, MappingForm, MatchChooseForm, MatchSearchForm
from schedule.models import Appointment, AppointmentStatus, Source, SourceKind, SyncRun
from schedule.records import Problem
from schedule.sources import files

PAGE_SIZE = 50
PREVIEW_ROWS = 10
UPLOAD_CHUNK = 1024 * 1024


def _slug(request: HttpRequest) -> str:
    return request.access.practice.slug


# --- Upload an export -------------------------------------------------------------------
#
# The upload waiting for its mapping is the user's, for this practice, in the session:
# {"file": stored name, "name": the name it was uploaded under, "mapping": {...},
# "queued": bool}. The stored file is page_tasks.upload_path(slug, file).


def _session_key(request: HttpRequest) -> str:
    return f"schedule-upload-{request.access.practice.pk}"


def _pending(request: HttpRequest) -> tuple[dict, Path] | None:
    pending = request.session.get(_session_key(request))
    if not isinstance(pending, dict):
        return None
    try:
        path = page_tasks.upload_path(_slug(request), pending.get("file", ""))
    except ValueError:
        return None
    return pending, path


def _pending_drop(request: HttpRequest) -> None:
    found = _pending(request)
    if found is not None:
        page_tasks.upload_discard(found[1])
    request.session.pop(_session_key(request), None)


def _store(request: HttpRequest, upload) -> Path:
    suffix = Path(upload.name).suffix.lower()
    name = uuid.uuid4().hex + (suffix if page_tasks.UPLOAD_NAME.match("0" * 32 + suffix) else "")
    path = page_tasks.upload_path(_slug(request), name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for chunk in upload.chunks(UPLOAD_CHUNK):
            out.write(chunk)
    return path


@upload_view(Area.IMPORTS, ImportUploadHandler)  # the contacts import's size limit
def upload(request: HttpRequest) -> HttpResponse:
    practice = request.access.practice
    form = upload_form(request, UploadForm)
    if form.is_bound and form.is_valid():
        uploaded = form.cleaned_data["file"]
        path = _store(request, uploaded)
        try:
            files.file_headers(path, filename=uploaded.name)
        except ValueError as error:
            page_tasks.upload_discard(path)
            form.add_error("file", str(error))
        else:
            _pending_drop(request)  # one upload waits at a time; the one before goes
            request.session[_session_key(request)] = {
                "file": path.name,
                "name": uploaded.name[:255],
                "mapping": {},
                "queued": False,
            }
            # The name the file was uploaded under may name a patient: not in the audit.
            audit_record(
                request,
                AuditAction.IMPORTED,
                object_type="schedule.appointment",
                detail={"step": "appointment export uploaded"},
            )
            return redirect("schedule:upload_mapping", practice_slug=practice.slug)
    pending = _pending(request)
    context = {
        "form": form,
        "pending": pending[0] if pending and not pending[0].get("queued") else None,
        "can_change": request.access.can_change(Area.IMPORTS),
        "runs": SyncRun.objects.filter(practice=practice, trigger="upload")
        .select_related("source")
        .order_by("-started_at", "-id")[:10],
    }
    return render(request, "schedule/upload.html", context)


def _preview_rows(items: list) -> list[dict]:
    """The preview's rows in words: status as a word, problems as sentences."""
    rows = []
    for item in items:
        if isinstance(item, Problem):
            rows.append({"where": item.where, "problem": item.message})
            continue
        patient = item.patient
        if item.status:
            status = AppointmentStatus(item.status).label
        elif item.status_word:
            status = f"Not known: “{item.status_word}”"
        else:
            status = "—"
        rows.append(
            {
                "where": item.where,
                "key": item.key,
                "patient": " ".join(p for p in (patient.first_name, patient.last_name) if p),
                "external_id": patient.external_id,
                "start": item.start,
                "status": status,
                "unknown_status": not item.status,
                "appointment_type": item.appointment_type,
                "provider": item.provider,
            }
        )
    return rows


@practice_view(Area.IMPORTS)
def upload_mapping(request: HttpRequest) -> HttpResponse:
    """The waiting upload's columns, matched to ours, and its first rows as they will be
    read; "Sync" queues the sync of the whole file."""
    practice = request.access.practice
    found = _pending(request)
    if found is None or found[0].get("queued") or not found[1].exists():
        if request.method == "POST":
            messages.error(request, "Upload the file again: the upload waiting was not found.")
        return redirect("schedule:upload", practice_slug=practice.slug)
    pending, path = found
    source = files.export_source(practice)
    try:
        headers = files.file_headers(path, filename=pending["name"])
    except ValueError as error:  # the file changed under us, or was removed
        _pending_drop(request)
        messages.error(request, str(error))
        return redirect("schedule:upload", practice_slug=practice.slug)
    posted = request.method == "POST"
    form_kwargs = {"fields": files.FIELDS, "labels": files.FIELD_LABELS, "headers": headers}
    if posted:
        form = MappingForm(request.POST, initial_mapping={}, **form_kwargs)
        form.is_valid()
        given = {name: form.cleaned_data.get(name, "") for name in files.FIELDS}
    else:
        given = pending.get("mapping") or {}
    mapping_error, preview = "", []
    mapping = {k: v for k, v in given.items() if v}
    try:
        mapping = files.mapping_for(source, headers, given)
        preview = _preview_rows(
            files.file_preview(
                source, path, filename=pending["name"], mapping=mapping, rows=PREVIEW_ROWS
            )
        )
    except ValueError as error:
        mapping_error = str(error)
    # What the person chose, "not read" included: the worker resolves it the same way.
    pending["mapping"] = given
    if posted and request.POST.get("action") == "sync" and not mapping_error:
        pending["queued"] = True
        request.session[_session_key(request)] = pending
        task_path = f"{practice.slug}/{path.name}"
        source_id, file_name = source.pk, pending["name"]
        transaction.on_commit(
            lambda: page_tasks.upload_sync.delay(source_id, task_path, given, file_name)
        )
        audit_record(
            request,
            AuditAction.IMPORTED,
            source,
            detail={"step": "appointment export sync queued", "columns": sorted(mapping)},
        )
        return redirect("schedule:upload_waiting", practice_slug=practice.slug)
    if posted and request.POST.get("action") == "sync":
        messages.error(request, mapping_error)
    request.session[_session_key(request)] = pending
    context = {
        "form": MappingForm(initial_mapping=mapping, **form_kwargs),
        "mapping_error": mapping_error,
        "preview": preview,
        "name": pending["name"],
        "source": source,
        "can_change": request.access.can_change(Area.IMPORTS),
    }
    return render(request, "schedule/upload_mapping.html", context)


@practice_view(Area.IMPORTS)
@require_POST
def upload_cancel(request: HttpRequest) -> HttpResponse:
    found = _pending(request)
    if found is not None and not found[0].get("queued"):
        _pending_drop(request)
        messages.success(request, "The upload and its file are deleted; nothing was synced.")
    return redirect("schedule:upload", practice_slug=_slug(request))


@practice_view(Area.IMPORTS)
def upload_waiting(request: HttpRequest) -> HttpResponse:
    """While the worker syncs the upload; then its run's page (or why there is none)."""
    practice = request.access.practice
    found = _pending(request)
    if found is None or not found[0].get("queued"):
        return redirect("schedule:upload", practice_slug=practice.slug)
    pending, path = found
    result = page_tasks.result_read(path)
    if result is None:
        return render(request, "schedule/upload_waiting.html", {"name": pending["name"]})
    page_tasks.upload_discard(path)
    request.session.pop(_session_key(request), None)
    if result.get("message"):
        (messages.info if result.get("run") else messages.error)(request, result["message"])
    if result.get("run"):
        to = redirect("schedule:run", practice_slug=practice.slug, run_id=result["run"])
    else:
        to = redirect("schedule:upload", practice_slug=practice.slug)
    return HttpResponseClientRedirect(to.url) if request.htmx else to


# --- Unmatched appointments -------------------------------------------------------------


@practice_view(Area.IMPORTS)
def unmatched(request: HttpRequest) -> HttpResponse:
    practice = request.access.practice
    appointments = selectors.unmatched_appointments(practice)
    page = Paginator(appointments, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(
        request,
        AuditAction.VIEWED,
        object_type="schedule.appointment",
        detail={"unmatched_list": len(page.object_list)},
    )
    return render(
        request,
        "schedule/unmatched.html",
        {"page": page, "can_change": request.access.can_change(Area.IMPORTS)},
    )


def _unmatched(request: HttpRequest, appointment_id: int) -> Appointment:
    try:
        return selectors.unmatched_get(request.access.practice, appointment_id)
    except Appointment.DoesNotExist:
        raise Http404 from None


@practice_view(Area.IMPORTS)
def appointment_match(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Find the patient (the search is posted), choose them, and the appointment's
    effects follow at once (the effects sweep is queued)."""
    practice = request.access.practice
    appointment = _unmatched(request, appointment_id)
    posted = request.method == "POST"
    search_form = MatchSearchForm(request.POST if posted else None)
    choices: list[Contact] = []
    choose_form = None
    if posted and search_form.is_valid():
        choices = selectors.match_choices(practice, search_form.cleaned_data["search"])
        labels = [(c.pk, _contact_words(c)) for c in choices]
        choose_form = MatchChooseForm(
            request.POST if "contact" in request.POST or "choose" in request.POST else None,
            choices=labels,
        )
        if choose_form.is_bound and choose_form.is_valid():
            contact = next(c for c in choices if c.pk == choose_form.cleaned_data["contact"])
            return _match(request, appointment, contact)
    audit_record(request, AuditAction.VIEWED, appointment)
    context = {
        "appointment": appointment,
        "search_form": search_form,
        "choose_form": choose_form,
        "choices": choices,
        "searched": posted and search_form.is_valid(),
        "can_change": request.access.can_change(Area.IMPORTS),
    }
    return render(request, "schedule/match.html", context)


def _contact_words(contact: Contact) -> str:
    words = contact.full_name or "(no name)"
    if contact.date_of_birth:
        words += f", born {contact.date_of_birth:%d %b %Y}"
    if contact.external_id:
        words += f", EMR id {contact.external_id}"
    return words


def _match(request: HttpRequest, appointment: Appointment, contact: Contact) -> HttpResponse:
    from schedule import services, tasks

    try:
        services.appointment_match(appointment, contact)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("schedule:unmatched", practice_slug=_slug(request))
    transaction.on_commit(tasks.effects_sweep.delay)
    audit_record(request, AuditAction.CHANGED, appointment, detail={"matched": "by hand"})
    messages.success(
        request,
        f"Matched to {contact.full_name}: the appointment now counts for this patient "
        "(their campaigns follow within a minute).",
    )
    return redirect("schedule:unmatched", practice_slug=_slug(request))


# --- Sources, their health and runs -----------------------------------------------------


@practice_view(Area.SETTINGS)
def health(request: HttpRequest) -> HttpResponse:
    practice = request.access.practice
    context = {
        "sources": selectors.sources_health(practice),
        "unmatched": selectors.unmatched_appointments(practice).count(),
        "can_change": request.access.can_change(Area.SETTINGS),
        "can_upload": request.access.can_view(Area.IMPORTS),
    }
    return render(request, "schedule/health.html", context)


def _source(request: HttpRequest, source_id: int) -> Source:
    try:
        return selectors.source_get(request.access.practice, source_id)
    except Source.DoesNotExist:
        raise Http404 from None


@practice_view(Area.SETTINGS)
def run(request: HttpRequest, run_id: int) -> HttpResponse:
    try:
        sync_run = selectors.run_get(request.access.practice, run_id)
    except SyncRun.DoesNotExist:
        raise Http404 from None
    context = {
        "run": sync_run,
        "counts": selectors.run_counts(sync_run),
        "unmatched": sync_run.counts.get("unmatched", 0),
        "can_upload": request.access.can_view(Area.IMPORTS),
    }
    return render(request, "schedule/run.html", context)


@practice_view(Area.SETTINGS)
@require_POST
def sync_now(request: HttpRequest, source_id: int) -> HttpResponse:
    source = _source(request, source_id)
    if source.kind == SourceKind.FHIR:
        from schedule.sources.fhir import fhir_source_sync

        transaction.on_commit(lambda: fhir_source_sync.delay(source.pk, "sync now"))
        messages.success(request, f"{source.name} is being read now; this page shows the run.")
    else:
        from schedule.tasks import sweep

        folder = files.drop_folder(request.access.practice)
        transaction.on_commit(sweep.delay)
        messages.success(
            request,
            f"The drop folder ({folder}) is being read now. Exports put there are synced "
            "within a minute; to sync a file by hand, upload it.",
        )
    audit_record(request, AuditAction.CHANGED, source, detail={"sync": "now"})
    return redirect("schedule:health", practice_slug=_slug(request))


@practice_view(Area.SETTINGS)
def fhir_connect(request: HttpRequest, source_id: int | None = None) -> HttpResponse:
    """Connect a FHIR R4 server, or change one (``source_id``)."""
    practice = request.access.practice
    source = _source(request, source_id) if source_id is not None else None
    if source is not None and source.kind != SourceKind.FHIR:
        raise Http404
    instance = source or Source(practice=practice, kind=SourceKind.FHIR)
    form = FhirSourceForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = fhir_source_save(practice, source=source, **form.values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Field names only: the token and key are secrets.
            audit_record(
                request,
                AuditAction.CREATED if source is None else AuditAction.CHANGED,
                saved,
                detail={"fields": sorted(form.changed_data)},
            )
            messages.success(
                request, f"{saved.name} saved. Use “Sync now” to read its appointments."
            )
            return redirect("schedule:health", practice_slug=practice.slug)
    if not request.access.can_change(Area.SETTINGS):
        for field in form.fields.values():
            field.disabled = True
    context = {
        "form": form,
        "source": source,
        "can_change": request.access.can_change(Area.SETTINGS),
    }
    return render(request, "schedule/fhir_connect.html", context)
