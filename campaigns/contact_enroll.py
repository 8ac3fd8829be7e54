"""Enrolling one patient from the contact page (registered with ``contacts.page_hooks``):
the same enrollment and planning as a campaign's start (``planning.enrollments_create``),
and the same exclusions, each refused with its words."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from campaigns.models import OPEN_STATES, Campaign, CampaignStatus, Enrollment
from campaigns.planning import enrollments_create
from campaigns.selectors import EXCLUSIONS, _exclusion_q, audience
from contacts.models import Contact
from contacts.page_hooks import EnrollChoices
from contacts.segments import bucket_of
from reactivate.models import Practice


def contact_enroll_choices(contact: Contact, practice: Practice) -> EnrollChoices:
    current = (
        Enrollment.objects.filter(contact=contact, state__in=[s.value for s in OPEN_STATES])
        .select_related("campaign")
        .first()
    )
    if current is not None:
        return EnrollChoices(f"{current.campaign.name} ({current.get_state_display()})")
    running = Campaign.objects.filter(practice=practice, status=CampaignStatus.RUNNING)
    return EnrollChoices("", list(running.order_by("name").values_list("pk", "name")))


@transaction.atomic
def contact_enroll(contact: Contact, practice: Practice, campaign_id: int, today: dt.date) -> str:
    """Enroll one patient in a running campaign of the practice and plan their touches;
    returns the campaign's name. One open enrollment per patient: the patient's row is
    locked, so two clicks cannot enroll them twice."""
    campaign = (
        Campaign.objects.select_related("sequence")
        .filter(practice=practice, pk=campaign_id, status=CampaignStatus.RUNNING)
        .first()
    )
    if campaign is None:
        raise ValidationError("Choose a running campaign of this practice.")
    contact = Contact.objects.select_for_update().get(pk=contact.pk, practice=practice)
    rules = _exclusion_q(practice, today)
    found = (
        audience(practice, None, {})
        .filter(pk=contact.pk)
        .aggregate(**{f"x_{key}": Count("id", filter=rule) for key, rule in rules.items()})
    )
    for key, label in EXCLUSIONS:
        if found[f"x_{key}"]:
            raise ValidationError(f"Not enrolled: {label.lower()}.")
    bucket = bucket_of(contact, practice, today)
    if bucket is None:
        raise ValidationError(
            "Not enrolled: the last outcome is unknown, so there is no story to open with. "
            "Set it in the practice's system and import again."
        )
    enrollments_create(
        campaign,
        [contact],
        {contact.pk: (False, None, contact.assigned_to_id)},
        max(campaign.start_date, today),
        {contact.pk: bucket.value},
    )
    return campaign.name
