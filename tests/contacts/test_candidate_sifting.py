"""PostgreSQL sifts each block's pairs before Python scores them
(``candidates.pair_worth_comparing``): it may keep pairs the scoring refuses, never drop
one it would show. Checked on every pair of records built around one person with the
corruptions the scoring reads (birth-date digits, day and month swapped, house numbers one
typo apart, missing dates and addresses, shared phones and emails)."""

import datetime as dt
import random

import pytest
from django.db import connection

from contacts.candidates import (
    CANDIDATE_FIELDS,
    MEMBER_COLUMNS,
    CandidateRow,
    _block_read,
    _block_send,
    pair_judge,
    pair_worth_comparing,
)
from contacts.dedupe import key_array
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

FIRST = ["Margaret", "Margret", "Peggy", "Maragret", "Fatima", "M"]
LAST = ["O'Brien", "OBrien", "O'Brian", "Brien", "Nakamura"]
BORN = [
    dt.date(1971, 3, 11),
    dt.date(1971, 11, 3),  # day and month swapped
    dt.date(1971, 3, 12),  # a digit off
    dt.date(1981, 3, 11),  # a year digit off
    dt.date(1917, 3, 11),  # two digits swapped
    dt.date(1972, 4, 11),  # two digits off
    dt.date(1971, 11, 13),  # swapped, and a digit off
    dt.date(1966, 9, 2),  # nothing alike
    None,
]
HOUSES = ["12", "21", "13", "112", "5", "6", "123", "132", "1234", "23", "1243", "880", ""]
STREETS = ["Harbor Drive", "Harbour Dr", "Elm Street"]
POSTAL = ["62701", "62710", ""]


def _rows(practice) -> list[CandidateRow]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(CANDIDATE_FIELDS)} FROM contacts_contact "  # noqa: S608
            "WHERE practice_id = %s ORDER BY id",
            [practice.pk],
        )
        return [CandidateRow._make(row) for row in cursor.fetchall()]


def _people(practice, count: int) -> list[CandidateRow]:
    rng = random.Random(19)
    for _ in range(count):
        house = rng.choice(HOUSES)
        street = rng.choice(STREETS)
        shared = rng.random() < 0.1
        ContactFactory(
            practice=practice,
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            date_of_birth=rng.choice(BORN),
            address=f"{house} {street}".strip() if rng.random() < 0.85 else "",
            postal_code=rng.choice(POSTAL),
            phone="+12175550142" if shared else "",
            phone_raw="",
            email="family@example.com" if shared and rng.random() < 0.5 else "",
        )
    return _rows(practice)


def _sifted(practice) -> set[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH c AS (SELECT {MEMBER_COLUMNS} FROM contacts_contact x "  # noqa: S608
            "WHERE x.practice_id = %s) "
            f"SELECT s.id, o.id FROM c s JOIN c o ON s.id < o.id WHERE {pair_worth_comparing()}",
            [practice.pk],
        )
        return set(cursor.fetchall())


def test_the_database_keeps_every_pair_the_scoring_would_show(practice):
    rows = _people(practice, 180)
    kept_by_database = _sifted(practice)
    shown = {
        (a.id, b.id)
        for i, a in enumerate(rows)
        for b in rows[i + 1 :]
        if pair_judge(a, b) is not None
    }
    assert len(shown) > 100  # the records really are alike enough to be shown
    assert shown <= kept_by_database, sorted(shown - kept_by_database)[:5]


def test_the_database_leaves_out_people_whose_birth_dates_and_homes_rule_them_out(practice):
    rows = _people(practice, 180)
    pairs = len(rows) * (len(rows) - 1) // 2
    # Most of these pairs are two people by their birth dates or homes alone.
    assert len(_sifted(practice)) < pairs * 0.8


@pytest.mark.parametrize(("block", "home"), [("birth_key", ""), ("house_key", "12 Elm Street")])
def test_a_block_keyed_on_no_name_pairs_only_people_sharing_an_initial(practice, block, home):
    born, people = dt.date(1979, 6, 11), {}
    names = [("Khadija", "Cohen"), ("Karen", "Lee"), ("Mary", "Chen"), ("Noah", "Ortiz")]
    for first, last in names:
        people[first] = ContactFactory(
            practice=practice, first_name=first, last_name=last, date_of_birth=born,
            address=home, postal_code="62701", phone="", phone_raw="", email="",
        ).pk  # fmt: skip
    subject = next(row for row in _rows(practice) if row.id == people["Khadija"])
    with connection.cursor() as cursor:
        ids = key_array([subject.id])[1]
        _block_send(cursor, practice, block, [getattr(subject, block)], [subject], ids)
        pairs, _ = _block_read(cursor)
    # Karen shares the first initial, Mary Chen the surname's; Noah Ortiz neither.
    assert {other.id for _, other in pairs} == {people["Karen"], people["Mary"]}
