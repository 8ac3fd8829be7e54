"""An import's duplicate candidates, found once each chunk commits, on a connection of
their own while the next chunk is written (``contacts.import_candidates``)."""

import pytest

from contacts.candidates import candidate_row, candidates_find_among
from contacts.import_runs import import_batch_run
from contacts.models import Contact, DuplicateCandidate, ImportStatus
from tests.contacts.helpers import csv_bytes, first_rows_applied, run_import
from tests.factories import PracticeFactory

# Spouses sharing a phone in the first and the last chunk (of two rows each), and a
# typo'd twin record in the middle one.
ROWS = [
    ["", "Maria", "Lopez", "212-555-0110", "", "1970-01-01", "inquiry", ""],
    ["", "Ann", "Bell", "", "", "1961-06-01", "inquiry", ""],
    ["", "Peter", "Quill", "", "", "1980-04-04", "inquiry", ""],
    ["", "Petre", "Quill", "", "", "1980-04-04", "inquiry", ""],
    ["", "Carlos", "Lopez", "212-555-0110", "", "1968-02-02", "inquiry", ""],
]


def _pairs() -> set[tuple[str, str]]:
    return {
        (c.contact_a.first_name, c.contact_b.first_name)
        for c in DuplicateCandidate.objects.select_related("contact_a", "contact_b")
    }


@pytest.mark.django_db(transaction=True)
def test_pairs_across_chunks_are_found_while_later_chunks_are_written():
    practice = PracticeFactory()
    batch = run_import(practice, csv_bytes(ROWS), chunk_rows=2)
    assert batch.status == ImportStatus.DONE
    assert _pairs() == {("Maria", "Carlos"), ("Peter", "Petre")}
    assert batch.summary["duplicate_candidates"] == 2
    assert batch.candidates_through == batch.last_row == 5


@pytest.mark.django_db(transaction=True)
def test_a_second_import_of_the_same_file_records_no_pair_twice():
    practice = PracticeFactory()
    run_import(practice, csv_bytes(ROWS), chunk_rows=2)
    again = run_import(practice, csv_bytes(ROWS), chunk_rows=2)
    assert again.summary["duplicate_candidates"] == 0
    assert DuplicateCandidate.objects.count() == 2


def test_a_resumed_run_finds_the_candidates_a_stopped_one_had_not(practice):
    batch = first_rows_applied(practice, csv_bytes(ROWS), last_row=4)
    # The worker died once the chunk committed and before its candidates did.
    DuplicateCandidate.objects.all().delete()
    batch.summary["duplicate_candidates"] = 0
    batch.candidates_through = 0
    batch.save(update_fields=["summary", "candidates_through"])

    finished = import_batch_run(batch.pk)
    assert _pairs() == {("Maria", "Carlos"), ("Peter", "Petre")}
    assert finished.summary["duplicate_candidates"] == 2
    assert finished.candidates_through == 5


def test_a_chunk_is_not_paired_with_contacts_written_after_it(practice):
    # Those are the later chunk's to pair: a block must look as it did when this chunk
    # was written, however late its candidates are found.
    run_import(practice, csv_bytes(ROWS[2:3]))
    peter = Contact.objects.get()
    run_import(practice, csv_bytes(ROWS[3:4]))  # Petre, whose import pairs him with Peter
    DuplicateCandidate.objects.all().delete()
    subject = candidate_row(peter.pk, peter.__dict__)
    assert candidates_find_among(practice, [subject], members_through=peter.pk) == 0
    assert candidates_find_among(practice, [subject]) == 1
