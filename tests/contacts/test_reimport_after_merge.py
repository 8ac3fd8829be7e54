"""A weekly re-import of the same export after an admin merged two of its records."""

import pytest

from contacts.dedupe import contact_merge
from contacts.models import CandidateStatus, Contact, DuplicateCandidate, ImportRow
from tests.contacts.helpers import HEADER, csv_bytes, run_import

pytestmark = pytest.mark.django_db

# Two charts of one patient (two EMR ids): never merged automatically, a pair to review.
JOSE = ["J-7", "José", "Muñoz-Peña", "212-555-0160", "", "1961-02-03", "inquiry", ""]
JOSE_AGAIN = ["J-8", "Jose", "Munoz Pena", "212-555-0160", "", "", "no show", ""]


def merged_export(practice, rows=(JOSE, JOSE_AGAIN)) -> tuple[Contact, Contact]:
    """Import the export, then merge its second chart into the first, as an admin would."""
    run_import(practice, csv_bytes(list(rows)))
    survivor = Contact.objects.get(external_id=rows[0][0])
    merged = Contact.objects.get(external_id=rows[1][0])
    contact_merge(survivor=survivor, merged=merged)
    return survivor, merged


def test_a_reimport_does_not_bring_back_a_merged_record(practice):
    survivor, _ = merged_export(practice)
    batch = run_import(practice, csv_bytes([JOSE, JOSE_AGAIN]))
    assert list(Contact.objects.live()) == [survivor]
    assert batch.summary["created"] == 0 and batch.summary["updated"] == 2


def test_a_reimport_reports_the_merged_records_row_on_the_survivor(practice):
    survivor, _ = merged_export(practice)
    batch = run_import(practice, csv_bytes([JOSE, JOSE_AGAIN]))
    row = ImportRow.objects.get(batch=batch, row=2)
    assert row.contact_id == survivor.pk
    assert row.message == "same EMR id as a record merged into this one"


def test_a_reimport_proposes_no_pair_already_merged(practice):
    merged_export(practice)
    batch = run_import(practice, csv_bytes([JOSE, JOSE_AGAIN]))
    assert batch.summary["duplicate_candidates"] == 0
    assert DuplicateCandidate.objects.get().status == CandidateStatus.MERGED


def test_a_reimport_updates_the_survivor_of_a_merge(practice):
    survivor, _ = merged_export(practice)
    with_email = [*JOSE_AGAIN[:4], "jose@example.com", *JOSE_AGAIN[5:]]
    run_import(practice, csv_bytes([with_email]))
    survivor.refresh_from_db()
    assert survivor.email == "jose@example.com" and survivor.email_valid


def test_an_opt_out_on_a_merged_records_row_reaches_the_survivor(practice):
    header = [*HEADER, "SMS Opt Out"]
    survivor, _ = merged_export(practice)
    run_import(practice, csv_bytes([[*JOSE_AGAIN, "Y"]], header))
    survivor.refresh_from_db()
    assert survivor.sms_opt_out_at is not None and survivor.sms_opt_out_via == "import"


def test_a_reimport_keeps_the_name_and_phone_the_merge_chose(practice):
    survivor, _ = merged_export(practice)
    moved = [*JOSE_AGAIN[:3], "212-555-0199", *JOSE_AGAIN[4:]]
    run_import(practice, csv_bytes([moved]))
    survivor.refresh_from_db()
    assert (survivor.first_name, survivor.last_name) == ("José", "Muñoz-Peña")
    assert (survivor.external_id, survivor.phone) == ("J-7", "+12125550160")


def test_a_merged_record_without_an_emr_id_is_found_by_its_name_and_birth_date(practice):
    jon = ["", "Jon", "Smith", "", "jon@example.com", "1980-04-04", "inquiry", ""]
    john = ["", "John", "Smith", "", "john@example.org", "1980-04-04", "inquiry", ""]
    run_import(practice, csv_bytes([jon, john]))
    survivor = Contact.objects.get(first_name="Jon")
    contact_merge(survivor=survivor, merged=Contact.objects.get(first_name="John"))
    batch = run_import(practice, csv_bytes([jon, john]))
    assert list(Contact.objects.live()) == [survivor]
    assert batch.summary["duplicate_candidates"] == 0


def test_a_merged_records_row_reaches_the_survivor_of_a_later_merge(practice):
    survivor, merged = merged_export(practice)
    third = ["J-9", "J.", "Munoz", "212-555-0161", "", "", "inquiry", ""]
    run_import(practice, csv_bytes([third]))
    last = Contact.objects.get(external_id="J-9")
    contact_merge(survivor=last, merged=survivor)
    # Records merged before merges repointed their own merged records (one link, always).
    Contact.objects.filter(pk=merged.pk).update(merged_into=survivor)
    batch = run_import(practice, csv_bytes([JOSE_AGAIN]))
    assert list(Contact.objects.live()) == [last]
    assert ImportRow.objects.get(batch=batch).contact_id == last.pk


def test_a_new_chart_with_a_merged_records_phone_and_name_stays_its_own_patient(practice):
    merged_export(practice)
    other_chart = ["J-10", *JOSE_AGAIN[1:]]
    run_import(practice, csv_bytes([other_chart]))
    assert Contact.objects.live().count() == 2
