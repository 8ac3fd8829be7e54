"""Merging two records of one patient, and dismissing a pair."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.candidates import MAX_BLOCK, candidates_find
from contacts.dedupe import candidate_dismiss, contact_merge
from contacts.models import CandidateStatus, Contact, ContactMerge, DuplicateCandidate
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def make(practice, **fields):
    defaults = {"first_name": "Jon", "last_name": "Smith", "date_of_birth": dt.date(1980, 4, 4)}
    return ContactFactory(practice=practice, **{**defaults, "phone": "", **fields})


def test_an_opt_out_on_either_side_survives_a_merge(practice):
    opted_out_at = timezone.now() - dt.timedelta(days=3)
    survivor = make(practice, phone="+12125550101")
    merged = make(
        practice,
        first_name="John",
        sms_opt_out_at=opted_out_at,
        sms_opt_out_via="STOP reply",
        do_not_contact=True,
        do_not_contact_reason="asked",
    )
    contact_merge(survivor=survivor, merged=merged)
    survivor.refresh_from_db()
    assert survivor.sms_opt_out_at == opted_out_at and survivor.sms_opt_out_via == "STOP reply"
    assert survivor.do_not_contact


def test_a_merge_fills_blanks_but_keeps_the_survivors_values(practice):
    survivor = make(practice, email="jon@example.com")
    merged = make(practice, first_name="John", email="other@example.com", phone="+12125550102")
    contact_merge(survivor=survivor, merged=merged)
    survivor.refresh_from_db()
    assert (survivor.email, survivor.phone) == ("jon@example.com", "+12125550102")


def test_a_merge_is_recorded_and_hides_the_merged_record(practice, member):
    user = member().user
    survivor, merged = make(practice), make(practice, first_name="John")
    record = contact_merge(survivor=survivor, merged=merged, user=user)
    assert ContactMerge.objects.get() == record and record.merged_by == user
    assert record.snapshot["first_name"] == "John"
    assert list(Contact.objects.live()) == [survivor]


def test_merging_closes_the_pairs_candidate(practice):
    a, b = make(practice), make(practice, first_name="John")
    candidates_find(practice, [a.pk, b.pk])
    contact_merge(survivor=a, merged=b)
    assert DuplicateCandidate.objects.get().status == CandidateStatus.MERGED


def test_contacts_of_two_practices_cannot_be_merged(practice, other_practice):
    with pytest.raises(ValueError, match="one practice"):
        contact_merge(survivor=make(practice), merged=make(other_practice))


def test_not_the_same_person_is_remembered(practice):
    a, b = make(practice), make(practice, first_name="John")
    candidates_find(practice, [a.pk, b.pk])
    candidate_dismiss(candidate=DuplicateCandidate.objects.get(), user=None)
    assert candidates_find(practice, [a.pk, b.pk]) == 0
    assert DuplicateCandidate.objects.get().status == CandidateStatus.DISMISSED


def test_a_dismissed_pair_keeps_the_score_and_evidence_it_was_decided_on(practice):
    a, b = make(practice), make(practice, first_name="John")
    candidates_find(practice, [a.pk, b.pk])
    DuplicateCandidate.objects.update(score=0.42, reason="as decided")
    candidate_dismiss(candidate=DuplicateCandidate.objects.get(), user=None)
    candidates_find(practice, [a.pk, b.pk])
    assert DuplicateCandidate.objects.values_list("score", "reason").get() == (0.42, "as decided")


def test_an_open_pair_found_again_shows_the_score_and_evidence_of_now(practice):
    # Found again after its contacts changed, or under a new calibration.
    a, b = make(practice), make(practice, first_name="John")
    candidates_find(practice, [a.pk, b.pk])
    fresh = DuplicateCandidate.objects.values_list("score", "reason").get()
    DuplicateCandidate.objects.update(score=0.42, reason="an older calibration's words")
    assert candidates_find(practice, [a.pk, b.pk]) == 0  # not a new pair
    assert DuplicateCandidate.objects.values_list("score", "reason").get() == fresh


def test_different_birth_dates_with_similar_names_are_not_candidates(practice):
    a = make(practice)
    b = make(practice, first_name="John", date_of_birth=dt.date(1999, 1, 1))
    assert candidates_find(practice, [a.pk, b.pk]) == 0


def test_alike_names_alone_are_not_a_candidate(practice):
    # Same sound-alike names in one postal code, nothing else in common: a town has many.
    a = make(practice, date_of_birth=None, postal_code="78701", address="1 Oak St")
    b = make(
        practice, first_name="John", date_of_birth=None, postal_code="78701", address="9 Elm St"
    )
    assert candidates_find(practice, [a.pk, b.pk]) == 0


def test_alike_names_at_one_address_are_a_candidate(practice):
    a = make(practice, date_of_birth=None, postal_code="78701", address="12 Oak St.")
    b = make(
        practice,
        first_name="John",
        date_of_birth=None,
        postal_code="78701",
        address="12 oak street",
    )
    assert candidates_find(practice, [a.pk, b.pk]) == 1
    assert "same address" in DuplicateCandidate.objects.get().reason


def test_a_phone_shared_by_too_many_contacts_is_not_evidence(practice):
    # A clinic's own number typed for every patient: no candidates from it.
    shared = [
        make(practice, first_name=f"Pat{i}", last_name=f"Other{i}", phone="+12125550199")
        for i in range(MAX_BLOCK + 1)
    ]
    assert candidates_find(practice, [c.pk for c in shared]) == 0


def test_a_block_found_too_big_is_not_counted_again_in_the_same_import(
    practice, django_assert_num_queries
):
    shared = [
        make(practice, first_name=f"Pat{i}", date_of_birth=None, phone="+12125550199")
        for i in range(MAX_BLOCK + 1)
    ]
    oversized: set[tuple[str, str]] = set()
    assert candidates_find(practice, [shared[0].pk], oversized) == 0
    assert ("phone", "+12125550199") in oversized  # and the blocks of their alike names
    with django_assert_num_queries(1):  # the chunk's contacts; no block is counted again
        assert candidates_find(practice, [shared[1].pk], oversized) == 0


def test_a_phone_shared_by_a_family_is_a_candidate(practice):
    family = [
        make(practice, first_name=name, date_of_birth=None, phone="+12125550198")
        for name in ("Ann", "Bob", "Cy")
    ]
    assert candidates_find(practice, [c.pk for c in family]) == 3
