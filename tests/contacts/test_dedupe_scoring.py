"""Scores that mean something (issue 19.3): one calibrated score per pair, the evidence
for and against in words, and the review list sorted by it."""

import datetime as dt

import pytest

from contacts.candidates import CandidateRow, pair_judge
from contacts.duplicate_selectors import candidate_list
from contacts.pair_scoring import calibrated, calibration, pair_compare
from tests.factories import ContactFactory, DuplicateCandidateFactory

pytestmark = pytest.mark.django_db

HOME = {"postal_code": "62701", "address": "14 Elm Street"}


def row(practice, first, last, born, **fields):
    values = {"phone": "", "phone_raw": "", "date_of_birth": born, **HOME, **fields}
    contact = ContactFactory(practice=practice, first_name=first, last_name=last, **values)
    return CandidateRow(*(getattr(contact, name) for name in CandidateRow._fields))


def test_an_accented_first_name_reads_as_the_same_name(practice):
    one = row(practice, "José", "Muñoz", dt.date(1970, 2, 3))
    other = row(practice, "Jose", "Munoz", dt.date(1970, 2, 3))
    evidence = pair_compare(one, other).evidence
    assert "same first name, accents differ" in evidence
    assert "differ:" not in evidence


def test_a_person_with_two_charts_scores_above_a_family_sharing_a_phone(practice):
    phone = {"phone": "+12175550166"}
    parent = row(practice, "Maria", "Lopez", dt.date(1970, 5, 1), **phone)
    child = row(practice, "Carlos", "Lopez", dt.date(1998, 9, 23), **phone)
    again = row(practice, "María", "Lopez", dt.date(1970, 5, 1), **phone)
    family_score, family_reason = pair_judge(parent, child)
    person_score, person_reason = pair_judge(parent, again)
    assert family_score < 0.1 < 0.9 < person_score
    assert "often family" in family_reason and "often family" not in person_reason


def test_different_first_names_and_birth_dates_read_as_family_not_one_person(practice):
    one = row(practice, "Sarah", "Haddad", dt.date(1975, 3, 2))
    other = row(practice, "Fatima", "Haddad", dt.date(2004, 9, 21))
    comparison = pair_compare(one, other)
    assert "same address" in comparison.evidence
    assert "first names differ: Sarah / Fatima — often family" in comparison.evidence
    assert "different birth dates" in comparison.evidence
    assert pair_judge(one, other) is None  # no phone or email shared: not shown at all


def test_the_calibrated_score_never_falls_as_the_evidence_grows():
    starts, shares = calibration()
    assert list(starts) == sorted(starts)
    assert list(shares) == sorted(shares)
    assert calibrated(-100) == shares[0] and calibrated(100) == shares[-1]


def test_the_review_list_is_sorted_by_score_by_default(practice):
    scores = [0.31, 0.97, 0.55]
    for score in scores:
        DuplicateCandidateFactory(practice=practice, score=score)
    assert [c.score for c in candidate_list(practice)] == sorted(scores, reverse=True)


def test_a_birth_date_entirely_different_is_made_up_for_only_by_the_same_address(practice):
    # One person with a wrong birth date, filed twice at one home: still shown; the same
    # names at another house of the street are not (read without comparing addresses).
    one = row(practice, "Grace", "Okafor", dt.date(1961, 2, 3))
    again = row(practice, "Grace", "Okafor", dt.date(1975, 8, 19))
    elsewhere = row(practice, "Grace", "Okafor", dt.date(1975, 8, 19), address="90 Elm Street")
    _score, reason = pair_judge(one, again)
    assert "same address" in reason and "different birth dates" in reason
    assert pair_judge(one, elsewhere) is None
    assert pair_compare(one, elsewhere).address == "different"  # without a threshold: read
