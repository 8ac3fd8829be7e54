"""Every practice-scoped URL returns 404 to a member of another practice."""

import pytest
from django.urls import reverse

from campaigns.sequences import sequence_default_ensure
from reactivate.models import Role
from tests.factories import (
    CampaignFactory,
    ContactFactory,
    DuplicateCandidateFactory,
    EnrollmentFactory,
    ImportBatchFactory,
    MembershipFactory,
)
from tests.reactivate.urlconf import practice_routes

# How to make a real object of a practice for each URL keyword that names one. A new
# practice-scoped URL with a new keyword fails here until its builder is added.
OBJECT_BUILDERS = {
    "membership_id": lambda practice: MembershipFactory(practice=practice).pk,
    "contact_id": lambda practice: ContactFactory(practice=practice).pk,
    "batch_id": lambda practice: ImportBatchFactory(practice=practice).pk,
    "candidate_id": lambda practice: DuplicateCandidateFactory(practice=practice).pk,
    "campaign_id": lambda practice: CampaignFactory(practice=practice).pk,
    "template_id": lambda practice: (
        sequence_default_ensure(practice).steps.first().templates.first().pk
    ),
    "step_id": lambda practice: sequence_default_ensure(practice).steps.first().pk,
    "outcome_id": lambda practice: _outcome(practice).pk,
    "enrollment_id": lambda practice: EnrollmentFactory(campaign__practice=practice).pk,
    "message_id": lambda practice: _planned_reply(practice).pk,
    "source_id": lambda practice: _fhir_source(practice).pk,
    "run_id": lambda practice: _sync_run(practice).pk,
    "appointment_id": lambda practice: _unmatched_appointment(practice).pk,
}


def _fhir_source(practice):
    from schedule.models import Source

    source, _ = Source.objects.get_or_create(
        practice=practice,
        name="Practice FHIR",
        defaults={"kind": "fhir", "base_url": "https://fhir.test/r4"},
    )
    return source


def _sync_run(practice):
    from django.utils import timezone

    from schedule.models import SyncRun

    source = _fhir_source(practice)
    return SyncRun.objects.create(
        practice=practice, source=source, trigger="beat", started_at=timezone.now()
    )


def _unmatched_appointment(practice):
    from schedule.models import Appointment

    return Appointment.objects.create(
        practice=practice, source=_fhir_source(practice), key="A-1", status="booked"
    )


def _planned_reply(practice):
    """A coordinator's reply waiting for the patient's sending hours."""
    from outreach.models import Message

    contact = ContactFactory(practice=practice)
    return Message.objects.create(
        practice=practice,
        contact=contact,
        direction="out",
        channel="sms",
        kind="reply",
        body="We open at nine.",
        status="planned",
    )


def _outcome(practice):
    from campaigns.outcomes import outcome_record

    enrollment = EnrollmentFactory(campaign__practice=practice)
    return outcome_record(contact=enrollment.contact, enrollment=enrollment, kind="no_answer")


def _kwargs(route, slug, objects_of):
    missing = set(route.kwargs) - {"practice_slug"} - set(OBJECT_BUILDERS)
    assert not missing, f"add an object builder for {missing} ({route.name})"
    kwargs = {"practice_slug": slug}
    for name in route.kwargs:
        if name != "practice_slug":
            kwargs[name] = OBJECT_BUILDERS[name](objects_of)
    return kwargs


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", practice_routes(), ids=lambda route: route.name)
def test_member_of_another_practice_gets_404(client_for, member, other_practice, route, method):
    client = client_for(member(Role.ADMIN))
    url = reverse(route.name, kwargs=_kwargs(route, other_practice.slug, other_practice))
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "route",
    [route for route in practice_routes() if len(route.kwargs) > 1],
    ids=lambda route: route.name,
)
def test_objects_of_another_practice_are_404_under_ones_own(
    client_for, member, practice, other_practice, route, method
):
    client = client_for(member(Role.ADMIN))
    url = reverse(route.name, kwargs=_kwargs(route, practice.slug, other_practice))
    response = getattr(client, method)(url)
    if method == "get" and response.status_code == 405:
        return  # a POST-only view refuses GET before any lookup, whatever the object
    assert response.status_code == 404


def test_an_unknown_practice_looks_the_same_as_a_foreign_one(client_for, member, other_practice):
    client = client_for(member(Role.ADMIN))
    foreign = client.get(reverse("contacts:index", kwargs={"practice_slug": other_practice.slug}))
    unknown = client.get(reverse("contacts:index", kwargs={"practice_slug": "no-such-practice"}))
    assert foreign.status_code == unknown.status_code == 404
    assert other_practice.name.encode() not in foreign.content
