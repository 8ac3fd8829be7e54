"""Reviewing duplicate candidates side by side."""

import pytest
from django.urls import reverse

from campaigns.models import State
from contacts.models import CandidateStatus, Contact
from reactivate.models import Role
from tests.factories import CampaignFactory, DuplicateCandidateFactory, EnrollmentFactory


@pytest.fixture
def candidate(practice):
    return DuplicateCandidateFactory(practice=practice)


def review_url(practice, candidate):
    return reverse(
        "contacts:duplicate_review",
        kwargs={"practice_slug": practice.slug, "candidate_id": candidate.pk},
    )


def test_review_compares_the_two_records(client_for, member, practice, candidate):
    response = client_for(member(Role.ADMIN)).get(review_url(practice, candidate))
    labels = [label for label, _, _ in response.context["rows"]]
    assert "Phone" in labels and "Birth date" in labels
    assert candidate.contact_a.first_name in response.content.decode()


def test_merge_keeps_the_chosen_record(client_for, member, practice, candidate):
    client_for(member(Role.ADMIN)).post(review_url(practice, candidate), {"decision": "keep_b"})
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.MERGED
    assert list(Contact.objects.live()) == [candidate.contact_b]


def test_not_the_same_person_dismisses(client_for, member, practice, candidate):
    client_for(member(Role.ADMIN)).post(review_url(practice, candidate), {"decision": "dismiss"})
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DISMISSED
    assert Contact.objects.live().count() == 2


def test_owner_can_look_but_not_merge(client_for, member, practice, candidate):
    client = client_for(member(Role.OWNER))
    assert client.get(review_url(practice, candidate)).status_code == 200
    assert client.post(review_url(practice, candidate), {"decision": "keep_a"}).status_code == 403


def test_a_refused_merge_says_why_and_keeps_both_records(client_for, member, practice, candidate):
    for contact in (candidate.contact_a, candidate.contact_b):
        EnrollmentFactory(
            contact=contact, campaign=CampaignFactory(practice=practice), state=State.PAUSED
        )
    response = client_for(member(Role.ADMIN)).post(
        review_url(practice, candidate), {"decision": "keep_a"}, follow=True
    )
    assert "finish one of them before merging" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.OPEN
    assert Contact.objects.live().count() == 2


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_coordinator_cannot_review_duplicates(client_for, member, practice, candidate, method):
    client = client_for(member(Role.COORDINATOR))
    list_url = reverse("contacts:duplicates", kwargs={"practice_slug": practice.slug})
    for target in (list_url, review_url(practice, candidate)):
        response = getattr(client, method)(target, {"decision": "keep_a"})
        assert response.status_code == 403, target
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.OPEN
