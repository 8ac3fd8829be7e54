"""Contacts and imports (duplicates: ``duplicate_views``). Views parse, call a service, render.

Search text is posted, never put in the URL: a patient's name must not reach access logs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from contacts import import_batches, page_hooks
from contacts.consent import channel_states, consent_record
from contacts.exports import contacts_csv, csv_download
from contacts.forms import (
    ContactDoNotContactForm,
    ContactEditForm,
    ContactFilterForm,
    DoNotContactForm,
    EnrollForm,
    HeaderRowForm,
    MappingForm,
    SynonymForm,
    UploadForm,
)
from contacts.history import history_timeline
from contacts.import_files import ImportUploadHandler, import_batch_delete
from contacts.models import Bucket, Contact, ImportBatch, ImportStatus
from contacts.segments import bucket_counts, bucket_of
from contacts.selectors import contact_get, contact_list, contacts_selected
from contacts.services import (
    contact_do_not_contact_clear,
    contact_do_not_contact_set,
    contact_update,
    contacts_assign,
    contacts_mark_do_not_contact,
    outcome_synonym_add,
)
from contacts.tasks import import_run
from reactivate.access import Area, practice_view, upload_form, upload_view
from reactivate.audit import audit_record
from reactivate.models import AuditAction
from reactivate.selectors import practice_coordinators

PAGE_SIZE = 50


def _today(request: HttpRequest):
    return request.access.practice.today()


def _slug(request: HttpRequest) -> str:
    return request.access.practice.slug


# --- Contacts ---------------------------------------------------------------------------


@practice_view(Area.CONTACTS)
def index(request: HttpRequest) -> HttpResponse:
    """The list. Filters are GET parameters (a filtered list can be bookmarked, and the
    back button returns to it); the search text is posted with them, never put in the URL."""
    practice = request.access.practice
    today = _today(request)
    coordinators = practice_coordinators(practice)
    if request.method == "POST":
        data = request.POST
    else:
        data = request.GET.copy()
        data.pop("search", None)  # a name in the URL would reach access logs
    form = ContactFilterForm(data or None, coordinators=coordinators)
    filters = form.cleaned_data if form.is_valid() else {}
    page_number = filters.pop("page", None) or 1
    contacts = contact_list(practice, today, **{k: v or "" for k, v in filters.items()})
    page = Paginator(contacts, PAGE_SIZE).get_page(page_number)
    counts = bucket_counts(practice, today)
    context = {
        "form": form,
        "page": page,
        "counts": counts,
        "bucket_tiles": [(label, counts[value]) for value, label in Bucket.choices],
        "coordinators": coordinators,
        "can_change": request.access.can_change(Area.CONTACTS),
        "can_export": request.access.can_view(Area.IMPORTS),
        "can_review_duplicates": request.access.can_view(Area.DUPLICATES),
        "active_area": "contacts",
    }
    # htmx swaps the results; restoring history (back button) needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "contacts/_results.html" if partial else "contacts/index.html"
    return render(request, template, context)


def _contact(request: HttpRequest, contact_id: int) -> Contact:
    try:
        return contact_get(request.access.practice, contact_id)
    except Contact.DoesNotExist:
        raise Http404 from None


def _contact_change(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A form posted from the contact page: the view gets the practice's contact."""

    @practice_view(Area.CONTACTS)
    @require_POST
    @wraps(view)
    def wrapped(request: HttpRequest, contact_id: int) -> HttpResponse:
        return view(request, _contact(request, contact_id))

    return wrapped


def _detail_page(request: HttpRequest, contact: Contact, **refused) -> HttpResponse:
    """The contact page, with any form that was just refused kept as typed."""
    practice = request.access.practice
    can_change = request.access.can_change(Area.CONTACTS)
    context = {
        "contact": contact,
        "bucket": bucket_of(contact, practice, _today(request)),
        "timeline": history_timeline(contact),
        "channels": channel_states(contact, page_hooks.channel_blocks(contact)),
        "consent_lines": consent_record(contact),
        "can_change": can_change and contact.merged_into_id is None,
    }
    if context["can_change"]:
        enroller = page_hooks.enrolling()
        choices = enroller.choices(contact, practice) if enroller else None
        context.update(
            edit_form=refused.get("edit_form")
            or ContactEditForm(
                initial=ContactEditForm.initial_of(contact),
                coordinators=practice_coordinators(practice),
            ),
            dnc_form=refused.get("dnc_form") or ContactDoNotContactForm(),
            enroll_choices=choices,
            enroll_form=refused.get("enroll_form")
            or (EnrollForm(campaigns=choices.campaigns) if choices else None),
        )
    return render(request, "contacts/detail.html", context)


def _to_detail(request: HttpRequest, contact: Contact) -> HttpResponse:
    return redirect("contacts:detail", practice_slug=_slug(request), contact_id=contact.pk)


@practice_view(Area.CONTACTS)
def detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact(request, contact_id)
    audit_record(request, AuditAction.VIEWED, contact)
    return _detail_page(request, contact)


@_contact_change
def contact_edit(request: HttpRequest, contact: Contact) -> HttpResponse:
    practice = request.access.practice
    form = ContactEditForm(request.POST, coordinators=practice_coordinators(practice))
    if form.is_valid():
        try:
            changed = contact_update(
                contact,
                practice=practice,
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
                notes=form.cleaned_data["notes"],
                coordinator_id=form.coordinator_id(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                # Field names only: the values are the patient's.
                audit_record(request, AuditAction.CHANGED, contact, detail={"fields": changed})
                messages.success(request, "Saved.")
            else:
                messages.info(request, "Nothing changed.")
            return _to_detail(request, contact)
    return _detail_page(request, contact, edit_form=form)


@_contact_change
def contact_do_not_contact(request: HttpRequest, contact: Contact) -> HttpResponse:
    if request.POST.get("clear") == "yes":
        # Only the flag the person saw: one set since, for another reason, stays.
        if contact_do_not_contact_clear(contact, set_with=request.POST.get("set_with", "")):
            audit_record(
                request, AuditAction.CHANGED, contact, detail={"do_not_contact": "cleared"}
            )
            messages.success(request, "Do not contact cleared: this patient may be contacted.")
        else:
            messages.error(request, "Do not contact changed since you opened the page; look again.")
        return _to_detail(request, contact)
    form = ContactDoNotContactForm(request.POST)
    form.is_valid()
    try:
        marked = contact_do_not_contact_set(contact, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as error:
        form.add_error(None, error)
        return _detail_page(request, contact, dnc_form=form)
    if marked:
        audit_record(request, AuditAction.CHANGED, contact, detail={"do_not_contact": "set"})
        messages.success(request, "Marked do not contact.")
    else:
        messages.info(request, "This patient was already marked do not contact.")
    return _to_detail(request, contact)


@_contact_change
def contact_enroll(request: HttpRequest, contact: Contact) -> HttpResponse:
    practice = request.access.practice
    enroller = page_hooks.enrolling()
    if enroller is None:
        raise Http404
    choices = enroller.choices(contact, practice)
    form = EnrollForm(request.POST, campaigns=choices.campaigns)
    if form.is_valid():
        try:
            name = enroller.enroll(
                contact, practice, form.cleaned_data["campaign"], _today(request)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            audit_record(
                request,
                AuditAction.CHANGED,
                contact,
                detail={"enrolled_in_campaign": form.cleaned_data["campaign"]},
            )
            messages.success(request, f"Enrolled in {name}; the first touches are planned.")
            return _to_detail(request, contact)
    return _detail_page(request, contact, enroll_form=form)


@practice_view(Area.CONTACTS)
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    practice = request.access.practice
    ids = [int(i) for i in request.POST.getlist("contact") if i.isdigit()]
    action = request.POST.get("action")
    if not ids:
        messages.error(request, "Select at least one contact.")
    elif action == "assign":
        raw = request.POST.get("coordinator", "")
        try:
            count = contacts_assign(
                practice=practice,
                contact_ids=ids,
                coordinator_id=int(raw) if raw.isdigit() else None,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            _selection_changed(request, assigned=count)
            messages.success(request, f"{count} contact(s) assigned.")
    elif action == "do_not_contact":
        response = _do_not_contact(request, ids)
        if response is not None:
            return response
    else:
        messages.error(request, "Choose an action.")
    return redirect("contacts:index", practice_slug=practice.slug)


def _selection_changed(request: HttpRequest, **detail: int) -> None:
    """Audit a bulk action on the list's selection: what it did and to how many (no ids:
    the selection can be thousands of patients)."""
    audit_record(request, AuditAction.CHANGED, object_type="contacts.contact", detail=detail)


# The selection's names shown on the confirmation page; a longer selection is counted.
CONFIRM_NAMES = 20


def _do_not_contact(request: HttpRequest, ids: list[int]) -> HttpResponse | None:
    """Mark the selection do not contact once confirmed with a reason; until then (or with
    the reason missing) the confirmation page, keeping the selection and what was typed.
    None once done (or with nothing of this practice selected): back to the list."""
    practice = request.access.practice
    selected = contacts_selected(practice, ids)
    count = selected.count()
    if not count:
        messages.error(request, "Select at least one contact.")
        return None
    confirmed = request.POST.get("confirmed") == "yes"
    form = DoNotContactForm(request.POST if confirmed else None, initial=request.POST)
    if not form.is_valid():
        context = {
            "form": form,
            "count": count,
            "names": selected[:CONFIRM_NAMES],
            "more": max(0, count - CONFIRM_NAMES),
            "ids": [c.pk for c in selected],
        }
        return render(request, "contacts/confirm_do_not_contact.html", context)
    marked = contacts_mark_do_not_contact(
        practice=practice, contact_ids=ids, reason=form.cleaned_data["reason"]
    )
    _selection_changed(request, do_not_contact=marked)
    messages.success(request, f"{marked} contact(s) marked do-not-contact.")
    return None


@practice_view(Area.IMPORTS)
def export(request: HttpRequest) -> StreamingHttpResponse:
    practice = request.access.practice
    audit_record(
        request, AuditAction.EXPORTED, object_type="contacts.contact", detail={"format": "csv"}
    )
    return csv_download(contacts_csv(practice, _today(request)), f"contacts-{practice.slug}.csv")


# --- Imports ----------------------------------------------------------------------------


def _batch(request: HttpRequest, batch_id: int) -> ImportBatch:
    return get_object_or_404(ImportBatch, practice=request.access.practice, pk=batch_id)


@upload_view(Area.IMPORTS, ImportUploadHandler)
def imports(request: HttpRequest) -> HttpResponse:
    practice = request.access.practice
    form = upload_form(request, UploadForm)
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = import_batches.import_batch_create(
                practice=practice, fileobj=upload.file, name=upload.name, user=request.user
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            audit_record(request, AuditAction.IMPORTED, batch, detail={"step": "uploaded"})
            return redirect(
                "contacts:import_detail", practice_slug=practice.slug, batch_id=batch.pk
            )
    batches = ImportBatch.objects.filter(practice=practice).select_related("uploaded_by")[:50]
    return render(
        request,
        "contacts/imports.html",
        {
            "form": form,
            "batches": batches,
            "can_change": request.access.can_change(Area.IMPORTS),
            "synonym_form": SynonymForm(),
        },
    )


@practice_view(Area.IMPORTS)
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    context = {"batch": batch, "can_change": request.access.can_change(Area.IMPORTS)}
    if batch.status == ImportStatus.UPLOADED:
        sample = import_batches.import_batch_sample(batch)
        form = MappingForm(headers=sample.headers, initial_mapping=batch.mapping)
        header_form = HeaderRowForm(
            initial={"header_row": sample.header_row}, rows=sample.header_rows
        )
        context.update(form=form, header_form=header_form, **_preview_context(batch, batch.mapping))
    return render(request, "contacts/import_detail.html", context)


@practice_view(Area.IMPORTS)
@require_POST
def import_header(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    sample = import_batches.import_batch_sample(batch)
    form = HeaderRowForm(request.POST, rows=sample.header_rows)
    if not form.is_valid():
        messages.error(request, "Choose one of the rows listed.")
    else:
        try:
            import_batches.import_header_row_set(
                batch=batch, header_row=form.cleaned_data["header_row"]
            )
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Columns read from the row you chose; check the matches.")
    return redirect("contacts:import_detail", practice_slug=_slug(request), batch_id=batch.pk)


def _preview_context(batch: ImportBatch, mapping: dict[str, str]) -> dict:
    try:
        return {"preview": import_batches.import_preview(batch, mapping), "mapping_error": ""}
    except ValueError as error:
        return {"preview": [], "mapping_error": str(error)}


@practice_view(Area.IMPORTS)
@require_POST
def import_preview(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    headers = import_batches.import_headers(batch)
    form = MappingForm(request.POST, headers=headers, initial_mapping={})
    form.is_valid()
    return render(request, "contacts/_preview.html", _preview_context(batch, form.mapping()))


@practice_view(Area.IMPORTS)
@require_POST
def import_start(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    if batch.status != ImportStatus.UPLOADED:
        messages.info(request, "This import has already started.")
        return redirect("contacts:import_detail", practice_slug=_slug(request), batch_id=batch.pk)
    headers = import_batches.import_headers(batch)
    form = MappingForm(request.POST, headers=headers, initial_mapping={})
    form.is_valid()
    try:
        import_batches.import_batch_start(batch=batch, mapping=form.mapping())
    except ValueError as error:
        messages.error(request, str(error))
    else:
        transaction.on_commit(lambda: import_run.delay(batch.pk))
        audit_record(request, AuditAction.IMPORTED, batch, detail={"step": "started"})
    return redirect("contacts:import_detail", practice_slug=_slug(request), batch_id=batch.pk)


@practice_view(Area.IMPORTS)
@require_POST
def import_delete(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    try:
        import_batch_delete(batch=batch)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("contacts:import_detail", practice_slug=_slug(request), batch_id=batch_id)
    # The name the file was uploaded under may name a patient: the audit keeps the id.
    audit_record(
        request,
        AuditAction.DELETED,
        object_type="contacts.importbatch",
        object_id=batch_id,
        detail={"step": "deleted before it ran"},
    )
    messages.success(request, "The upload and its file are deleted.")
    return redirect("contacts:imports", practice_slug=_slug(request))


@practice_view(Area.IMPORTS)
def import_progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    response = render(request, "contacts/_progress.html", {"batch": batch})
    if batch.finished and request.htmx:
        response["HX-Refresh"] = "true"  # show the summary page
    return response


@practice_view(Area.IMPORTS)
def import_report(request: HttpRequest, batch_id: int) -> StreamingHttpResponse:
    batch = _batch(request, batch_id)
    audit_record(request, AuditAction.EXPORTED, batch, detail={"report": "rows"})
    lines = import_batches.import_report_lines(batch)
    return csv_download(lines, f"import-{batch.pk}-report.csv")


@practice_view(Area.IMPORTS)
@require_POST
def synonym_add(request: HttpRequest) -> HttpResponse:
    form = SynonymForm(request.POST)
    if form.is_valid():
        try:
            outcome_synonym_add(practice=request.access.practice, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Synonym saved; it applies to the next import.")
    else:
        messages.error(request, "Enter a word and what it means.")
    return redirect("contacts:imports", practice_slug=_slug(request))
