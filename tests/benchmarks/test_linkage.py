"""The linkage file's truth (``benchmarks/dirty_rows.linkage_records``) and the quality
measurement that counts against it (``benchmarks/linkage_quality.py``).

The file is only as good as its truth: a duplicate differs from its person's original
only where its corruptions say, family members are other people, and the import
benchmark's own file (``dirty_rows``) stays what its published figures were measured on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations

import pytest

from tests.benchmarks.test_bench_database import BENCHMARKS, _run, _scratch, _url

sys.path.insert(0, str(BENCHMARKS))
dirty_rows = importlib.import_module("dirty_rows")
linkage_quality = importlib.import_module("linkage_quality")

HEADER = dirty_rows.HEADER
FIRST, LAST, DOB, ADDRESS, ZIP = (
    HEADER.index(c) for c in ("Pt First Name", "Pt Last Name", "DOB", "Address", "Zip")
)
# Which row fields each corruption may change.
CHANGES = {
    "first_typo": {"first"},
    "first_nickname": {"first"},
    "first_accents": {"first"},
    "last_typo": {"last"},
    "last_accents": {"last"},
    "names_swapped": {"first", "last"},
    "dob_day_month": {"dob"},
    "dob_year_digit": {"dob"},
    "dob_digit": {"dob"},
    "dob_missing": {"dob"},
    "address_typo": {"address"},
    "address_abbreviated": {"address"},
    "address_missing": {"address"},
    "zip_digit": {"zip"},
}


def _date(text: str) -> dt.date | None:
    for pattern in ("%m/%d/%Y", "%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    assert not text, f"a date the file should not hold: {text!r}"
    return None


def _fields(row: list[str]) -> dict:
    """A row's identifying fields, without the case and spacing noise every row gets."""
    return {
        "first": row[FIRST].strip().upper(),
        "last": row[LAST].strip().upper(),
        "dob": _date(row[DOB]),
        "address": row[ADDRESS],
        "zip": row[ZIP],
    }


def _records(count: int = 6000, seed: int = 11) -> list:
    return list(dirty_rows.linkage_records(count, seed=seed))


def test_a_seed_gives_the_same_rows_and_another_seed_other_rows():
    first = list(dirty_rows.linkage_rows(1500, seed=3))
    again = list(dirty_rows.linkage_rows(1500, seed=3))
    other = list(dirty_rows.linkage_rows(1500, seed=4))

    assert first == again
    assert first != other
    assert len(first) == 1500
    assert all(len(row) == len(HEADER) for row, _ in first)


def test_a_duplicate_differs_from_its_persons_original_only_where_its_corruptions_say():
    records = _records()
    originals = {r.person: _fields(r.row) for r in records if not r.kinds}
    duplicates = [r for r in records if r.kinds]
    assert len(duplicates) > 1000

    checked = 0
    for duplicate in duplicates:
        original = originals.get(duplicate.person)
        if original is None:  # the original fell past the last window's cut
            continue
        mine = _fields(duplicate.row)
        allowed = set().union(*(CHANGES[kind] for kind in duplicate.kinds))
        changed = {name for name in mine if mine[name] != original[name]}
        assert changed <= allowed, (duplicate.kinds, original, mine)
        assert changed, f"a duplicate with {duplicate.kinds} equal to its original"
        checked += 1
    assert checked > 0.95 * len(duplicates)


def test_duplicates_share_their_persons_number_and_every_row_has_its_own_chart():
    records = _records()
    by_person = defaultdict(list)
    for record in records:
        by_person[record.person].append(record)

    with_duplicates = [rows for rows in by_person.values() if len(rows) > 1]
    assert 0.25 < len(with_duplicates) / len(by_person) < 0.45
    assert max(len(rows) for rows in by_person.values()) <= 4
    assert all(sum(not r.kinds for r in rows) <= 1 for rows in by_person.values())
    charts = [r.row[0] for r in records]
    assert len(set(charts)) == len(charts)


def test_family_members_are_other_people_with_the_households_surname_and_address():
    records = _records()
    originals = {r.person: r for r in records if not r.kinds}
    members = [r for r in originals.values() if r.household != r.person]
    assert len(members) > 200

    for member in members:
        head = originals.get(member.household)
        if head is None:
            continue
        mine, theirs = _fields(member.row), _fields(head.row)
        assert member.person != head.person
        assert mine["last"] == theirs["last"]
        assert (mine["address"], mine["zip"]) == (theirs["address"], theirs["zip"])
    for household in {m.household for m in members}:
        people = [r for r in originals.values() if r.household == household]
        firsts = [_fields(r.row)["first"] for r in people]
        dobs = [d for r in people if (d := _fields(r.row)["dob"])]
        assert len(set(firsts)) == len(firsts)
        assert len(set(dobs)) == len(dobs)


def test_most_rows_have_neither_phone_nor_email_and_names_include_accents():
    records = _records()
    phone, email = HEADER.index("Cell"), HEADER.index("E-mail")

    bare = sum(1 for r in records if not r.row[phone] and not r.row[email])
    assert 0.6 < bare / len(records) < 0.8
    assert any(not r.row[LAST].isascii() for r in records)
    common = [r for r in records if r.common_name]
    assert len({r.person for r in common}) > 5 * len({r.common_name for r in common})


def test_dirty_rows_still_gives_the_rows_the_published_figures_were_measured_on():
    rows = list(dirty_rows.dirty_rows(5000))

    digest = hashlib.md5(repr(rows).encode(), usedforsecurity=False).hexdigest()
    assert digest == "abab068e7e649f0aab9741a69037642e"


def _truth(*people: int, household: dict | None = None) -> list:
    household = household or {}
    return [
        linkage_quality.Truth(p, household.get(i, p), (), "", True) for i, p in enumerate(people)
    ]


def test_rows_merged_through_a_merged_record_count_as_one_cluster():
    # Rows 1-3 are person 7. Row 1 → contact 10; rows 2 and 3 → contact 11, which was
    # merged into 12, itself merged into 10: all three pairs are merged.
    truth = _truth(7, 7, 7, 8)
    outcome = {
        "contact_of_row": {"1": 10, "2": 11, "3": 11, "4": 13},
        "merged_into": {"11": 12, "12": 10},
        "candidates": [],
    }

    figures = linkage_quality.linkage_figures(truth, outcome)

    assert figures["true_pairs"] == 3
    assert figures["merged_pairs"] == 3
    assert figures["merge_precision"] == 1.0
    assert figures["merges_plus_candidates_recall"] == 1.0


def test_a_candidate_counts_for_recall_and_precision_by_the_people_of_its_contacts():
    # Persons 1 (rows 1, 2), 2 (rows 3, 4) and 3 (row 5, family of person 1).
    truth = _truth(1, 1, 2, 2, 3, household={4: 1})
    outcome = {
        "contact_of_row": {"1": 20, "2": 21, "3": 22, "4": 22, "5": 23},
        "merged_into": {},
        "candidates": [(20, 21, 0.9), (20, 23, 0.6)],
    }

    figures = linkage_quality.linkage_figures(truth, outcome)

    assert figures["true_pairs"] == 2
    assert figures["candidate_pairs"] == 2
    assert figures["candidate_precision"] == 0.5
    assert figures["merge_precision"] == 1.0  # rows 3 and 4 on one contact
    assert figures["candidates_only_recall"] == 0.5
    assert figures["candidate_recall"] == 1.0
    assert figures["false_pairs"] == {"candidate family": 1}
    assert figures["hard_negatives"]["family"] == {"pairs": 2, "merged_or_shown": 1}


def test_nothing_merged_has_no_merge_precision():
    figures = linkage_quality.linkage_figures(
        _truth(1, 1), {"contact_of_row": {"1": 1, "2": 2}, "merged_into": {}, "candidates": []}
    )

    assert figures["merge_precision"] is None
    assert figures["candidate_recall"] == 0.0


@pytest.fixture(scope="module")
def migrated() -> Iterator[str]:
    """A migrated database the scripts' runs copy (migrating takes seconds)."""
    with _scratch() as name:
        done = _run(["manage.py", "migrate", "--noinput", "-v", "0"], name, DATABASE_URL=_url(name))
        assert done.returncode == 0, done.stderr[-3000:]
        yield name


def test_the_quality_script_imports_a_linkage_file_and_counts_against_its_truth(migrated):
    rows = 120
    with _scratch(migrated) as name:
        done = _run(
            [str(BENCHMARKS / "linkage_quality.py"), "--rows", str(rows)],
            name,
            BENCH_DATABASE_URL=_url(name),
        )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.splitlines()[-1])

    people = defaultdict(int)
    for _, person in dirty_rows.linkage_rows(rows):
        people[person] += 1
    assert figures["rows"] == rows
    assert figures["true_pairs"] == sum(
        len(list(combinations(range(n), 2))) for n in people.values()
    )
    assert 0 <= figures["candidate_recall"] <= 1
    assert figures["candidate_recall"] == figures["merges_plus_candidates_recall"]
    assert "merges + candidates" in done.stdout


def test_the_import_benchmark_reports_the_quality_of_a_linkage_file_in_its_json_line(migrated):
    with _scratch(migrated) as name:
        done = _run(
            [
                str(BENCHMARKS / "import_bench.py"),
                "--rows",
                "40",
                # The peers need the bench extra (django-import-export), which CI does
                # not install; the linkage figures come with our phase alone.
                "--phases",
                "ours",
                "--linkage-rows",
                "60",
            ],
            name,
            BENCH_DATABASE_URL=_url(name),
        )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])

    assert result["linkage_rows"] == 60
    assert 0 <= result["candidate_recall"] <= 1
    assert "candidate_precision" in result
