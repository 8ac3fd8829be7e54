"""Duplicate candidates on name, birth date and address alone (issue 19.2): records with
a typo, a nickname, a swapped day and month or first and last name, and no phone or email,
still come to a person; a household does not read as one person."""

import datetime as dt

import pytest

from contacts.candidates import candidates_find
from contacts.models import Contact, DuplicateCandidate
from tests.contacts.helpers import csv_bytes, run_import
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

HOME = {"postal_code": "62701", "address": "846 Harbor Drive"}


def make(practice, first, last, born, **fields):
    values = {"phone": "", "phone_raw": "", "email": "", "date_of_birth": born, **HOME}
    return ContactFactory(practice=practice, first_name=first, last_name=last, **values | fields)


def pair(practice, one, other):
    found = candidates_find(practice, [one.pk, other.pk])
    return DuplicateCandidate.objects.get() if found else None


def test_typod_names_with_the_same_birth_date_and_address_are_a_candidate(practice):
    one = make(practice, "Begoña", "Brown", dt.date(1971, 3, 14))
    other = make(practice, "Begoiña", "Btrown", dt.date(1971, 3, 14))
    candidate = pair(practice, one, other)
    assert candidate is not None
    assert "same birth date" in candidate.reason and "one typo apart" in candidate.reason


def test_a_record_without_birth_date_or_address_is_found_by_names_that_sound_alike(practice):
    # Nothing but the phonetic names and the postal code brings these two together.
    one = make(practice, "Jon", "Smith", dt.date(1980, 4, 4))
    other = make(practice, "Jon", "Smyth", None, address="")
    candidate = pair(practice, one, other)
    assert candidate is not None
    assert "same postal code" in candidate.reason and "one typo apart" in candidate.reason


def test_birth_dates_with_day_and_month_swapped_are_a_candidate(practice):
    one = make(practice, "Haruto", "Tanaka", dt.date(1985, 4, 7))
    other = make(practice, "Haruto", "Tanaka", dt.date(1985, 7, 4), address="")
    candidate = pair(practice, one, other)
    assert candidate is not None
    assert "day and month swapped" in candidate.reason


def test_a_birth_year_one_digit_off_is_a_candidate(practice):
    one = make(practice, "Olga", "Petrova", dt.date(1978, 11, 2))
    other = make(practice, "Olga", "Petorva", dt.date(1968, 11, 2))
    candidate = pair(practice, one, other)
    assert candidate is not None
    assert "birth years one digit apart" in candidate.reason


def test_a_nickname_with_the_same_birth_date_is_a_candidate(practice):
    one = make(practice, "Robert", "Kowalski", dt.date(1960, 1, 30), **{"address": ""})
    other = make(practice, "Bob", "Kowalski", dt.date(1960, 1, 30), postal_code="62703")
    candidate = pair(practice, one, other)
    assert candidate is not None
    assert "Robert / Bob — a nickname of one name" in candidate.reason
    assert "differ" not in candidate.reason


def test_first_and_last_names_written_the_other_way_round_are_a_candidate(practice):
    one = make(practice, "Daniel", "Stewart", dt.date(1990, 6, 12))
    other = make(practice, "Stewart", "Daniel", dt.date(1990, 6, 12))
    candidate = pair(practice, one, other)
    assert candidate is not None
    assert "first and last names swapped" in candidate.reason


def test_a_family_sharing_surname_address_and_phone_stays_apart_and_reads_as_family(practice):
    rows = [
        ["C1", "Sarah", "Haddad", "217-555-0142", "", "03/02/1975"],
        ["C2", "Fatima", "Haddad", "217-555-0142", "", "09/21/2004"],
    ]
    header = ["Chart #", "Pt First Name", "Pt Last Name", "Cell", "E-mail", "DOB"]
    run_import(practice, csv_bytes(rows, header=header))
    assert Contact.objects.live().count() == 2
    candidate = DuplicateCandidate.objects.get()
    assert "first names differ: Sarah / Fatima — often family" in candidate.reason
    assert candidate.score < 0.05


def test_a_shared_phone_alone_never_merges(practice):
    rows = [
        ["", "Ann", "Lee", "217-555-0143", "", ""],
        ["", "Bo", "Park", "217-555-0143", "", ""],
    ]
    header = ["Chart #", "Pt First Name", "Pt Last Name", "Cell", "E-mail", "DOB"]
    run_import(practice, csv_bytes(rows, header=header))
    assert Contact.objects.live().count() == 2
    assert DuplicateCandidate.objects.get().reason.startswith("same phone")


def test_typod_records_without_a_phone_become_candidates_in_an_import(practice):
    header = ["Chart #", "Pt First Name", "Pt Last Name", "DOB", "Address", "Zip"]
    rows = [
        ["L1", "Katherine", "Yamamoto", "05/19/1982", "12 Oak Street", "62702"],
        ["L2", "Kate", "Yamamoto", "05/19/1982", "12 Oak St", "62702"],
    ]
    run_import(practice, csv_bytes(rows, header=header))
    assert Contact.objects.live().count() == 2  # two charts: for a person to decide
    candidate = DuplicateCandidate.objects.get()
    assert candidate.score >= 0.9


@pytest.mark.parametrize(("namesakes", "paired"), [(10, True), (11, False)])
def test_more_than_ten_namesakes_are_not_evidence_by_their_names(practice, namesakes, paired):
    # Undated, no address: only the phonetic names in one postal code bring them together.
    crowd = [make(practice, "Jon", "Smith", None, address="") for _ in range(namesakes)]
    assert (candidates_find(practice, [c.pk for c in crowd]) > 0) is paired


def test_one_birth_date_with_a_typo_in_the_surnames_first_letter_is_a_candidate(practice):
    # Only the birth date brings these two together: their initials, phonetic surnames and
    # addresses all differ, but they share the first name's initial.
    one = make(practice, "Khadija", "Cohen", dt.date(1979, 6, 11))
    other = make(practice, "Khadija", "Ohen", dt.date(1979, 6, 11), address="")
    candidate = pair(practice, one, other)
    assert candidate is not None
    assert "same birth date" in candidate.reason
