"""A coordinator's part in consent on record (issue 17.5), on the contact page: recording
written consent the patient gave, and recording that the patient asked, on the phone, to
stop (which revokes consent through the same path as a STOP text, with one confirmation
text). Thin: the work is in ``contacts.consent`` and ``outreach.revocation``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from contacts.consent import consent_grant
from contacts.models import ConsentBasis, ConsentSource, Contact
from contacts.selectors import contact_get
from outreach.revocation import confirmation_create, consent_revoke
from outreach.tasks import revocation_confirmation_queue
from reactivate.access import Area, practice_view
from reactivate.audit import audit_record
from reactivate.models import AuditAction


class WrittenConsentForm(forms.Form):
    note = forms.CharField(
        max_length=200,
        required=False,
        help_text="Where the signed form is kept, e.g. 'intake form, scanned 3 Mar'.",
    )


class PhoneRevocationForm(forms.Form):
    words = forms.CharField(
        max_length=200,
        label="What the patient said",
        help_text="In their words, e.g. 'please stop calling and texting me'.",
    )


def _contact(request: HttpRequest, contact_id: int) -> Contact:
    """The practice's own live patient; another practice's (or a merged record) is 404."""
    try:
        contact = contact_get(request.access.practice, contact_id)
    except Contact.DoesNotExist:
        raise Http404 from None
    if contact.merged_into_id is not None:
        raise Http404
    return contact


def _back(request: HttpRequest, contact_id: int) -> HttpResponse:
    return redirect(
        "contacts:detail", practice_slug=request.access.practice.slug, contact_id=contact_id
    )


@practice_view(Area.QUEUE)
@require_POST
def consent_written(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact(request, contact_id)
    form = WrittenConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The note is at most 200 characters.")
        return _back(request, contact_id)
    try:
        consent_grant(
            contact,
            basis=ConsentBasis.WRITTEN,
            source=ConsentSource.COORDINATOR,
            user=request.user,
            words=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request, contact_id)
    audit_record(request, AuditAction.CHANGED, contact, detail={"consent": "written"})
    messages.success(request, "Written consent recorded.")
    return _back(request, contact_id)


@practice_view(Area.QUEUE)
@require_POST
def consent_revoked_on_phone(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The patient asked on the phone to stop: every channel, everyone at the number and
    address, one confirmation text."""
    contact = _contact(request, contact_id)
    form = PhoneRevocationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write what the patient said (at most 200 characters).")
        return _back(request, contact_id)
    if not contact.phone and not contact.email:
        messages.error(request, "This patient has no number or address to stop.")
        return _back(request, contact_id)
    words = form.cleaned_data["words"]
    with transaction.atomic():
        newly = False
        for phone, email in ((contact.phone, ""), ("", contact.email)):
            if phone or email:
                newly |= consent_revoke(
                    contact.practice_id,
                    channel="phone call",
                    words=words,
                    phone=phone,
                    email=email,
                    source=ConsentSource.COORDINATOR,
                    user=request.user,
                    asker=contact,
                )
        if newly:
            revocation_confirmation_queue(confirmation_create(contact))
    audit_record(request, AuditAction.CHANGED, contact, detail={"consent": "revoked"})
    messages.success(request, "Recorded: no more texts, calls or email to this patient.")
    return _back(request, contact_id)
