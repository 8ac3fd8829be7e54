"""Duplicate review at scale: counts, pages, search, filters, the bulk merge of pairs whose
identity agrees, moving on to the next pair, and decided pairs."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import State
from contacts.models import CandidateStatus, Contact
from reactivate.models import AuditAction, AuditEvent, Role
from tests.factories import (
    CampaignFactory,
    ContactFactory,
    DuplicateCandidateFactory,
    EnrollmentFactory,
)

BIRTH = dt.date(1970, 5, 1)


def list_url(practice):
    return reverse("contacts:duplicates", kwargs={"practice_slug": practice.slug})


def bulk_url(practice):
    return reverse("contacts:duplicates_merge_identical", kwargs={"practice_slug": practice.slug})


def review_url(practice, candidate):
    return reverse(
        "contacts:duplicate_review",
        kwargs={"practice_slug": practice.slug, "candidate_id": candidate.pk},
    )


def pair(practice, first=("Ann", "Ann"), last="Lee", phones=("+12125550101",) * 2, **kwargs):
    a = ContactFactory(practice=practice, first_name=first[0], last_name=last, phone=phones[0])
    b = ContactFactory(practice=practice, first_name=first[1], last_name=last, phone=phones[1])
    return DuplicateCandidateFactory(practice=practice, contact_a=a, contact_b=b, **kwargs)


def shown(response):
    return [c.pk for c in response.context["page"].object_list]


@pytest.fixture
def admin(client_for, member):
    return client_for(member(Role.ADMIN))


def test_the_list_says_how_many_pairs_and_shows_fifty_a_page(admin, practice):
    pairs = [DuplicateCandidateFactory(practice=practice) for _ in range(53)]
    first = admin.get(list_url(practice))
    second = admin.get(list_url(practice), {"page": 2})
    assert "53 pairs" in first.content.decode()
    assert len(shown(first)) == 50 and len(shown(second)) == 3
    assert set(shown(first)) | set(shown(second)) == {p.pk for p in pairs}


def test_a_page_of_pairs_costs_the_same_queries_however_many_pairs(
    admin, practice, django_assert_max_num_queries
):
    for _ in range(3):
        DuplicateCandidateFactory(practice=practice)
    admin.get(list_url(practice))  # session and permissions warmed up
    with CaptureQueriesContext(connection) as few:
        admin.get(list_url(practice))
    for _ in range(47):
        DuplicateCandidateFactory(practice=practice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin.get(list_url(practice))


def test_search_finds_a_pair_by_a_name_typed_without_accents(admin, practice):
    wanted = pair(practice, first=("José", "Jose"), last="Muñoz")
    pair(practice, first=("Ann", "Amy"), last="Lee")
    response = admin.get(list_url(practice), {"q": "jose munoz"})
    assert shown(response) == [wanted.pk]


def test_search_never_finds_another_practices_pairs(admin, practice, other_practice):
    pair(other_practice, first=("Zed", "Zed"), last="Other")
    response = admin.get(list_url(practice), {"q": "Zed"})
    assert shown(response) == []
    assert "No pairs match" in response.content.decode()


def test_filter_by_reason_shows_only_those_pairs(admin, practice):
    by_email = DuplicateCandidateFactory(practice=practice, reason="same email; names 90% alike")
    DuplicateCandidateFactory(practice=practice, reason="same phone; names 90% alike")
    assert shown(admin.get(list_url(practice), {"reason": "email"})) == [by_email.pk]


def test_the_family_filter_also_finds_pairs_recorded_before_calibrated_scores(admin, practice):
    recorded_now = DuplicateCandidateFactory(
        practice=practice, reason="same phone; first names differ: Ann / Bo — often family"
    )
    recorded_in_0_1 = DuplicateCandidateFactory(
        practice=practice, reason="same phone; names 60% alike; different first name (family?)"
    )
    DuplicateCandidateFactory(practice=practice, reason="same phone; same birth date")
    found = shown(admin.get(list_url(practice), {"reason": "family"}))
    assert sorted(found) == sorted([recorded_now.pk, recorded_in_0_1.pk])


def test_filter_by_score_shows_only_that_band(admin, practice):
    high = DuplicateCandidateFactory(practice=practice, score=0.95)
    DuplicateCandidateFactory(practice=practice, score=0.6)
    assert shown(admin.get(list_url(practice), {"score": "high"})) == [high.pk]


def test_sort_lowest_score_first(admin, practice):
    scores = [0.9, 0.5, 0.7]
    made = {s: DuplicateCandidateFactory(practice=practice, score=s) for s in scores}
    response = admin.get(list_url(practice), {"sort": "score_asc"})
    assert shown(response) == [made[0.5].pk, made[0.7].pk, made[0.9].pk]


def test_a_bad_filter_value_gets_a_message_not_an_error(admin, practice):
    DuplicateCandidateFactory(practice=practice)
    response = admin.get(list_url(practice), {"sort": "drop table", "page": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.fixture
def mixed_pairs(practice):
    """Two pairs whose identity agrees and three that need a person."""
    identical = [
        pair(practice, first=("José", "Jose"), last="Muñoz-Peña"),  # accents and hyphen aside
        pair(practice, first=("Ann", "Ann"), last="Lee", phones=("+12125550111",) * 2),
    ]
    family = pair(practice, first=("Maria", "Carlos"), last="Lopez", phones=("+12125550122",) * 2)
    charts = pair(practice, first=("Bo", "Bo"), last="Chan", phones=("+12125550133",) * 2)
    Contact.objects.filter(pk=charts.contact_a_id).update(external_id="A-1")
    Contact.objects.filter(pk=charts.contact_b_id).update(external_id="A-2")
    births = pair(practice, first=("Cy", "Cy"), last="Day", phones=("+12125550144",) * 2)
    Contact.objects.filter(pk=births.contact_a_id).update(date_of_birth=BIRTH)
    Contact.objects.filter(pk=births.contact_b_id).update(date_of_birth=dt.date(2001, 1, 1))
    return identical, [family, charts, births]


def test_bulk_preview_lists_the_identical_pairs_and_merges_nothing(admin, practice, mixed_pairs):
    response = admin.get(bulk_url(practice))
    assert response.context["count"] == 2
    assert "Merge these 2 pairs" in response.content.decode()
    assert Contact.objects.live().count() == 10


def test_bulk_confirm_merges_exactly_the_pairs_with_identical_identity(
    admin, practice, mixed_pairs
):
    identical, others = mixed_pairs
    fingerprint = admin.get(bulk_url(practice)).context["fingerprint"]
    response = admin.post(bulk_url(practice), {"fingerprint": fingerprint}, follow=True)
    assert "Merged 2 pairs with identical identity." in response.content.decode()
    for candidate in identical:
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.MERGED
    for candidate in others:
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.OPEN
    assert Contact.objects.live().count() == 8


def test_each_bulk_merge_is_in_the_audit_trail(admin, practice, mixed_pairs):
    fingerprint = admin.get(bulk_url(practice)).context["fingerprint"]
    admin.post(bulk_url(practice), {"fingerprint": fingerprint})
    merges = AuditEvent.objects.filter(action=AuditAction.MERGED, practice=practice)
    assert merges.count() == 2 and all(event.detail["bulk"] for event in merges)


def test_bulk_confirm_after_the_pairs_changed_merges_nothing_and_shows_them_again(
    admin, practice, mixed_pairs
):
    fingerprint = admin.get(bulk_url(practice)).context["fingerprint"]
    pair(practice, first=("Di", "Di"), last="Eng", phones=("+12125550155",) * 2)
    response = admin.post(bulk_url(practice), {"fingerprint": fingerprint})
    assert "The pairs changed since the preview" in response.content.decode()
    assert response.context["count"] == 3
    assert Contact.objects.live().count() == 12


def test_a_refused_pair_in_a_bulk_merge_leaves_the_others_merged(admin, practice, mixed_pairs):
    (refused, merged), _ = mixed_pairs
    for contact in (refused.contact_a, refused.contact_b):
        EnrollmentFactory(
            contact=contact, campaign=CampaignFactory(practice=practice), state=State.PAUSED
        )
    fingerprint = admin.get(bulk_url(practice)).context["fingerprint"]
    page = admin.post(bulk_url(practice), {"fingerprint": fingerprint}, follow=True)
    text = page.content.decode()
    assert "Merged 1 pair with identical identity." in text
    assert "Not merged: José Muñoz-Peña and Jose Muñoz-Peña" in text
    merged.refresh_from_db()
    refused.refresh_from_db()
    assert (merged.status, refused.status) == (CandidateStatus.MERGED, CandidateStatus.OPEN)


def test_after_a_decision_the_next_pair_opens(admin, practice):
    first = DuplicateCandidateFactory(practice=practice, score=0.9)
    second = DuplicateCandidateFactory(practice=practice, score=0.8)
    response = admin.post(review_url(practice, first), {"decision": "dismiss"})
    assert response.url == review_url(practice, second)


def test_after_the_last_decision_the_list_opens_and_says_so(admin, practice):
    last = DuplicateCandidateFactory(practice=practice)
    response = admin.post(review_url(practice, last), {"decision": "dismiss"}, follow=True)
    assert response.redirect_chain[-1][0] == list_url(practice)
    assert "That was the last pair waiting for review." in response.content.decode()


def test_a_decided_pair_shows_its_decision_instead_of_the_buttons(admin, practice):
    candidate = DuplicateCandidateFactory(practice=practice)
    admin.post(review_url(practice, candidate), {"decision": "dismiss"})
    text = admin.get(review_url(practice, candidate)).content.decode()
    assert "Decision: Not the same person" in text
    assert 'value="keep_a"' not in text


def test_a_merged_pair_cannot_be_turned_into_not_the_same_person(admin, practice):
    candidate = DuplicateCandidateFactory(practice=practice)
    admin.post(review_url(practice, candidate), {"decision": "keep_a"})
    response = admin.post(review_url(practice, candidate), {"decision": "dismiss"}, follow=True)
    assert "This pair was already decided." in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.MERGED


def test_decided_pairs_can_be_listed_with_their_decision(admin, practice):
    candidate = DuplicateCandidateFactory(practice=practice)
    admin.post(review_url(practice, candidate), {"decision": "dismiss"})
    response = admin.get(list_url(practice), {"status": "dismissed"})
    assert shown(response) == [candidate.pk]
    assert "Not the same person" in response.content.decode()
