"""The import pipeline: what a practice's messy export becomes."""

import gc
import sys
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.import_runs import _chunk_rows, _one_ahead, import_batch_run
from contacts.models import (
    CandidateStatus,
    Contact,
    DuplicateCandidate,
    ImportRow,
    ImportStatus,
    LastOutcome,
)
from contacts.tabular import TableError
from tests.contacts.helpers import HEADER, csv_bytes, first_rows_applied, run_import

pytestmark = pytest.mark.django_db

ROWS = [
    ["A-1", "JANE", "DOE", "(212) 555-0101", " Jane.Doe@Example.COM ", "03/05/1980", "NS", ""],
    [
        "A-2",
        "john",
        "smith",
        "212.555.0102",
        "john@example.com",
        "1975-07-01",
        "Tx plan presented",
        "",
    ],
    ["A-3", "Mary", "Major", "12345", "not-an-email", "", "consult - no book", ""],
]


def test_rows_become_clean_contacts(practice):
    batch = run_import(practice, csv_bytes(ROWS))
    assert batch.status == ImportStatus.DONE
    jane = Contact.objects.get(external_id="A-1")
    assert (jane.first_name, jane.last_name) == ("Jane", "Doe")
    assert jane.phone == "+12125550101" and jane.phone_valid
    assert jane.email == "jane.doe@example.com" and jane.email_valid
    assert str(jane.date_of_birth) == "1980-03-05"
    assert jane.last_outcome == LastOutcome.NO_SHOW
    assert Contact.objects.get(external_id="A-2").last_outcome == LastOutcome.TREATMENT_PLAN


def test_invalid_phone_and_email_are_kept_as_typed_and_flagged(practice):
    batch = run_import(practice, csv_bytes(ROWS))
    mary = Contact.objects.get(external_id="A-3")
    assert (mary.phone_raw, mary.phone, mary.phone_valid) == ("12345", "", False)
    assert (mary.email_raw, mary.email_valid) == ("not-an-email", False)
    assert batch.summary["invalid_phone"] == 1
    assert batch.summary["invalid_email"] == 1
    message = ImportRow.objects.get(batch=batch, row=3).message
    assert "12345" in message and "not-an-email" in message


def test_summary_counts_every_row(practice):
    batch = run_import(practice, csv_bytes(ROWS))
    assert batch.summary == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "merged": 0,
        "duplicate_candidates": 0,
        "invalid_phone": 1,
        "invalid_email": 1,
        "do_not_contact": 0,
        "errors": 0,
    }


def test_importing_the_same_file_again_creates_nothing(practice):
    run_import(practice, csv_bytes(ROWS))
    again = run_import(practice, csv_bytes(ROWS))
    assert Contact.objects.count() == 3
    assert (again.summary["created"], again.summary["updated"]) == (0, 3)
    assert DuplicateCandidate.objects.count() == 0


def test_an_emr_id_holding_a_control_character_imports_again_as_the_same_contact(practice):
    rows = [["A\x1f17", "Ana", "Diaz", "212-555-0111", "", "", "inquiry", ""]]
    run_import(practice, csv_bytes(rows))
    again = run_import(practice, csv_bytes(rows))
    assert again.status == ImportStatus.DONE
    assert list(Contact.objects.values_list("external_id", flat=True)) == ["A17"]
    assert (again.summary["created"], again.summary["updated"]) == (0, 1)


def test_the_uploaded_file_is_kept_with_its_batch(practice):
    data = csv_bytes(ROWS)
    batch = run_import(practice, data)
    with batch.file.open("rb") as stored:
        assert stored.read() == data
    assert batch.original_name == "export.csv"


def test_spouses_sharing_a_phone_stay_two_patients(practice):
    rows = [
        ["", "Maria", "Lopez", "212-555-0110", "", "1970-01-01", "inquiry", ""],
        ["", "Carlos", "Lopez", "212-555-0110", "", "1968-02-02", "inquiry", ""],
    ]
    batch = run_import(practice, csv_bytes(rows))
    assert Contact.objects.count() == 2
    candidate = DuplicateCandidate.objects.get()
    assert candidate.status == CandidateStatus.OPEN
    assert "same phone" in candidate.reason
    assert batch.summary["duplicate_candidates"] == 1


def test_similar_names_with_the_same_birth_date_become_a_candidate(practice):
    rows = [
        ["", "Jon", "Smith", "", "jon@example.com", "1980-04-04", "inquiry", ""],
        ["", "John", "Smith", "", "john.smith@example.org", "1980-04-04", "inquiry", ""],
    ]
    run_import(practice, csv_bytes(rows))
    assert Contact.objects.count() == 2
    candidate = DuplicateCandidate.objects.get()
    assert "same birth date" in candidate.reason


def test_swapped_first_and_last_names_become_a_candidate(practice):
    rows = [
        ["", "Chen", "Wei", "", "", "1990-09-09", "inquiry", ""],
        ["", "Wei", "Chen", "", "", "1990-09-09", "inquiry", ""],
    ]
    run_import(practice, csv_bytes(rows))
    assert DuplicateCandidate.objects.count() == 1


def test_the_same_emr_id_merges(practice):
    rows = [
        ["C-9", "Ann", "Lee", "212-555-0120", "", "", "inquiry", ""],
        ["C-9", "Ann", "Lee-Park", "", "ann@example.com", "", "no show", ""],
    ]
    batch = run_import(practice, csv_bytes(rows))
    ann = Contact.objects.get()
    assert (ann.phone, ann.email, ann.last_name) == ("+12125550120", "ann@example.com", "Lee-Park")
    second = ImportRow.objects.get(batch=batch, row=2)
    assert second.result == "merged" and "row 1" in second.message


def test_same_phone_and_name_merges_within_the_file(practice):
    rows = [
        ["", "Ben", "Ortiz", "212-555-0130", "", "", "inquiry", ""],
        ["", "BEN", "ORTIZ", "(212) 555-0130", "ben@example.com", "", "", ""],
    ]
    batch = run_import(practice, csv_bytes(rows))
    assert Contact.objects.count() == 1
    assert batch.summary["merged"] == 1


def test_a_later_row_finds_the_emr_id_an_earlier_row_gave_an_existing_contact(practice):
    # Regression: row 1 matches the existing Ann by names and birth date and gives her the
    # EMR id; row 2 carries that id under another name. Row 2 must find Ann, not create a
    # second live contact with the id (the unique constraint used to fail the import).
    run_import(practice, csv_bytes([["", "Ann", "Lee", "", "", "1980-01-01", "inquiry", ""]]))
    ann = Contact.objects.get()
    rows = [
        ["H-1", "Ann", "Lee", "", "", "1980-01-01", "inquiry", ""],
        ["H-1", "Ann", "Lee-Park", "212-555-0121", "", "", "no show", ""],
    ]
    batch = run_import(practice, csv_bytes(rows))
    assert batch.status == ImportStatus.DONE, batch.error
    ann.refresh_from_db()
    assert Contact.objects.get() == ann
    assert (ann.external_id, ann.last_name, ann.phone) == ("H-1", "Lee-Park", "+12125550121")
    results = ImportRow.objects.filter(batch=batch).order_by("row")
    assert [(r.result, r.contact_id) for r in results] == [("updated", ann.pk)] * 2
    assert "same EMR id" in results[1].message
    assert batch.summary["created"] == 0 and batch.summary["updated"] == 2


def test_an_emr_id_given_to_a_new_contact_in_the_chunk_is_found_by_later_rows(practice):
    rows = [
        ["", "Ann", "Lee", "", "", "1980-01-01", "inquiry", ""],
        ["H-2", "Ann", "Lee", "", "", "1980-01-01", "inquiry", ""],
        ["H-2", "Annie", "Park", "", "", "", "no show", ""],
    ]
    batch = run_import(practice, csv_bytes(rows))
    assert batch.status == ImportStatus.DONE, batch.error
    assert Contact.objects.get().external_id == "H-2"
    assert (batch.summary["created"], batch.summary["merged"]) == (1, 2)


def test_a_row_without_emr_id_does_not_let_a_contact_take_a_second_one(practice):
    rows = [
        ["D-7", "Sam", "Hill", "212-555-0141", "", "", "inquiry", ""],
        ["", "Sam", "Hill", "212-555-0141", "", "", "inquiry", ""],
        ["D-8", "Sam", "Hill", "212-555-0141", "", "", "inquiry", ""],
    ]
    batch = run_import(practice, csv_bytes(rows))
    assert batch.status == ImportStatus.DONE, batch.error
    assert sorted(Contact.objects.values_list("external_id", flat=True)) == ["D-7", "D-8"]


def test_blank_rows_are_reported_as_errors(practice):
    rows = [
        ["", "", "", "", "", "", "NS", ""],
        ["", " - ", "", "", "", "", "no show", "01/02/2024"],
        ["J-1", "Jo", "March", "212-555-0180", "", "", "inquiry", ""],
    ]
    batch = run_import(practice, csv_bytes(rows))
    assert Contact.objects.count() == 1
    errors = ImportRow.objects.filter(batch=batch, result="error").order_by("row")
    assert [(r.row, r.message) for r in errors] == [
        (1, "row has no name, phone, email or EMR id"),
        (2, "row has no name, phone, email or EMR id"),
    ]
    assert (batch.summary["errors"], batch.summary["created"]) == (2, 1)


def test_nameless_rows_sharing_a_phone_are_not_merged(practice):
    # Identity needs matching names; no name matches nothing (a shared phone alone never
    # merges two patients).
    rows = [
        ["", "", "", "212-555-0190", "", "", "inquiry", ""],
        ["", "", "", "(212) 555-0190", "", "", "inquiry", ""],
    ]
    batch = run_import(practice, csv_bytes(rows))
    assert Contact.objects.count() == 2
    assert batch.summary["merged"] == 0
    assert "same phone" in DuplicateCandidate.objects.get().reason


def test_the_row_total_is_exact_when_done(practice):
    rows = [
        ["L-1", "Lou", "Reed", "212-555-0191", "", "", "note with\na line break", ""],
        ["L-2", "Moe", "Tucker", "212-555-0192", "", "", "inquiry", ""],
    ]
    data = csv_bytes(rows) + b"\r\n\r\n"  # a quoted line break, blank lines at the end
    batch = run_import(practice, data)
    assert batch.rows_total == batch.rows_done == batch.summary["rows"] == 2


def test_different_emr_ids_are_never_merged(practice):
    rows = [
        ["D-1", "Sam", "Hill", "212-555-0140", "", "", "inquiry", ""],
        ["D-2", "Sam", "Hill", "212-555-0140", "", "", "inquiry", ""],
    ]
    run_import(practice, csv_bytes(rows))
    assert Contact.objects.count() == 2
    assert DuplicateCandidate.objects.count() == 1


def test_an_import_never_clears_an_opt_out(practice):
    header = [*HEADER, "DNC", "SMS Opt Out"]
    run_import(
        practice,
        csv_bytes([["E-1", "Eve", "Stone", "212-555-0150", "", "", "", "", "Y", "x"]], header),
    )
    run_import(
        practice,
        csv_bytes([["E-1", "Eve", "Stone", "212-555-0150", "", "", "", "", "", ""]], header),
    )
    eve = Contact.objects.get()
    assert eve.do_not_contact
    assert eve.sms_opt_out_at is not None and eve.sms_opt_out_via == "import"


def test_contacts_are_scoped_to_the_importing_practice(practice, other_practice):
    run_import(practice, csv_bytes(ROWS))
    run_import(other_practice, csv_bytes(ROWS))
    assert Contact.objects.filter(practice=practice).count() == 3
    assert Contact.objects.filter(practice=other_practice).count() == 3


def test_practice_synonyms_map_their_own_status_words(practice):
    from contacts.services import outcome_synonym_add

    outcome_synonym_add(practice=practice, text="Pending Tx", outcome=LastOutcome.TREATMENT_PLAN)
    run_import(
        practice, csv_bytes([["F-1", "Al", "Green", "212-555-0160", "", "", "PENDING TX", ""]])
    )
    assert Contact.objects.get().last_outcome == LastOutcome.TREATMENT_PLAN


def test_an_explicit_mapping_overrides_the_guess(practice):
    header = ["Chart #", "Pt First Name", "Pt Last Name", "Home Phone", "Cell"]
    data = csv_bytes([["G-1", "Ida", "Moss", "212-555-0170", "212-555-0171"]], header)
    run_import(practice, data, mapping={"phone": "Cell"})
    assert Contact.objects.get().phone == "+12125550171"


def test_a_killed_run_resumes_after_the_last_applied_chunk(practice):
    rows = [
        [f"K-{i}", f"Pat{i}", "Kay", f"212-555-01{i:02d}", "", "", "inquiry", ""] for i in range(10)
    ]
    # A worker that applied the first chunk and died: the chunk committed, nothing after it.
    batch = first_rows_applied(practice, csv_bytes(rows), last_row=4)
    assert ImportRow.objects.filter(batch=batch).count() == 4

    finished = import_batch_run(batch.pk, chunk_rows=3)
    assert finished.status == ImportStatus.DONE
    assert Contact.objects.count() == 10
    assert list(ImportRow.objects.filter(batch=batch).values_list("row", flat=True)) == list(
        range(1, 11)
    )
    assert finished.summary["created"] == 10 and finished.rows_done == 10


def test_a_finished_batch_is_not_applied_twice(practice):
    batch = run_import(practice, csv_bytes(ROWS))
    again = import_batch_run(batch.pk)
    assert again.summary == batch.summary
    assert ImportRow.objects.filter(batch=batch).count() == 3


def test_a_reading_error_reaches_the_import_after_the_chunks_before_it():
    # The next chunk is cleaned in a thread while this one is written: an error met there
    # must stop the import at that point, not earlier and not silently.
    def chunks():
        yield ["row 1"]
        yield ["row 2"]
        raise TableError("The file could not be read.")

    written = []
    with pytest.raises(TableError):
        for chunk in _one_ahead(chunks()):
            written.append(chunk)
    assert written == [["row 1"], ["row 2"]]


def test_an_import_that_stops_early_leaves_no_cleaning_thread_behind():
    chunks = _one_ahead(iter([["a"], ["b"], ["c"], ["d"]]))
    assert next(chunks) == ["a"]
    chunks.close()
    assert not [t for t in threading.enumerate() if t.name == "import-clean"]


@pytest.mark.parametrize(
    ("rows_total", "chunk"),
    [(8_000, 800), (120, 500), (100_000, 10_000), (1_000_000, 10_000)],
)
def test_a_file_is_applied_in_about_ten_chunks_of_bounded_size(settings, rows_total, chunk):
    # The progress bar of a small file still moves; a large file gets the cheapest chunks.
    settings.IMPORT_CHUNK_ROWS = 10_000
    assert _chunk_rows(rows_total) == chunk


def test_an_import_leaves_the_garbage_collector_running(practice):
    # The collector is paused while rows are applied; the worker's next task needs it back.
    assert gc.isenabled()
    batch = run_import(practice, csv_bytes(ROWS), chunk_rows=1)
    assert batch.status == ImportStatus.DONE
    assert gc.isenabled()


def test_an_import_sets_the_thread_switch_interval_back(practice):
    # Threads switch more often during an import; the worker's next task gets the default.
    before = sys.getswitchinterval()
    batch = run_import(practice, csv_bytes(ROWS), chunk_rows=1)
    assert batch.status == ImportStatus.DONE
    assert sys.getswitchinterval() == before


def _people(count: int) -> list[list[str]]:
    return [
        [f"C{n}", f"Ana{n}", "Diaz", f"212-555-{n % 10000:04d}", "", "", "inquiry", ""]
        for n in range(count)
    ]


def test_a_large_import_gives_the_planner_statistics_on_the_columns_it_looks_up(practice):
    # Without them each chunk's key lookups would scan the whole list (see
    # _statistics_keep_up); the other columns are left to autovacuum.
    batch = run_import(practice, csv_bytes(_people(1500)), chunk_rows=1500)
    assert batch.status == ImportStatus.DONE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, attname FROM pg_stats "
            "WHERE tablename IN ('contacts_contact', 'contacts_importrow')"
        )
        analyzed = set(cursor.fetchall())
    assert {("contacts_contact", "phone"), ("contacts_contact", "external_id")} <= analyzed
    assert ("contacts_importrow", "contact_id") in analyzed
    assert ("contacts_contact", "last_outcome") not in analyzed


def test_statistics_are_refreshed_as_the_list_doubles_not_for_every_chunk(practice):
    # Nine chunks of 500: statistics at 1,500 rows, then once the list has doubled again.
    with connection.cursor() as cursor:  # start from statistics of the empty tables
        cursor.execute("ANALYZE contacts_contact, contacts_importrow")
    with CaptureQueriesContext(connection) as queries:
        batch = run_import(practice, csv_bytes(_people(4500)), chunk_rows=500)
    assert batch.status == ImportStatus.DONE
    assert sum(q["sql"].startswith("ANALYZE") for q in queries.captured_queries) == 2


def test_a_reimport_that_gives_a_contact_its_birth_date_finds_its_duplicate(practice):
    first = [
        ["L-7", "Jon", "Smith", "", "", "", "inquiry", ""],
        ["L-8", "John", "Smith", "", "", "1980-04-04", "inquiry", ""],
    ]
    run_import(practice, csv_bytes(first))
    assert DuplicateCandidate.objects.count() == 0  # one undated, nothing else alike
    batch = run_import(practice, csv_bytes([["L-7", "Jon", "Smith", "", "", "1980-04-04", "", ""]]))
    assert batch.summary["updated"] == 1
    assert "same birth date" in DuplicateCandidate.objects.get().reason


def test_a_reimported_address_without_a_postal_code_keys_the_contact_by_both(practice):
    # The contact keeps its postal code; its house key is its own, not the row's (which,
    # lacking the postal code, has none).
    header = ["Chart #", "Pt First Name", "Pt Last Name", "Address", "Zip"]
    run_import(practice, csv_bytes([["H-1", "Ida", "Moss", "12 Oak St", "10001"]], header))
    run_import(practice, csv_bytes([["H-1", "Ida", "Moss", "40 Elm St"]], header[:4]))
    ida = Contact.objects.get()
    assert (ida.address, ida.postal_code) == ("40 Elm St", "10001")
    assert ida.house_key == "10001|40"
    assert ida.addr_key == "10001|40 elm"


def test_a_reimported_birth_date_rekeys_the_contact_with_its_names(practice):
    header = ["Chart #", "Pt First Name", "Pt Last Name", "DOB"]
    run_import(practice, csv_bytes([["B-1", "Ida", "Moss", ""]], header))
    run_import(practice, csv_bytes([["B-1", "", "", "1980-04-04"]], header))
    ida = Contact.objects.get()
    assert ida.dob_key == "1980-04-04|im"
    assert ida.last_sound_key.endswith("|i|04-04")
