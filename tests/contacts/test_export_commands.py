"""``export_contacts`` and ``export_duplicates`` (DESIGN §7)."""

import csv
import io

import pytest
from django.core.management import call_command

from tests.contacts.helpers import csv_bytes, run_import

pytestmark = pytest.mark.django_db


def export(name, practice):
    out = io.StringIO()
    call_command(name, "--practice", practice.slug, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_export_contacts_has_the_normalized_fields(practice):
    run_import(practice, csv_bytes([["A-1", "JANE", "DOE", "(212) 555-0101", "", "", "NS", ""]]))
    (row,) = export("export_contacts", practice)
    # The header external scripts read (DESIGN §7), opt-outs as one column per channel.
    assert ",".join(row) == (
        "id,external_id,first_name,last_name,phone,phone_raw,email,date_of_birth,last_outcome,"
        "bucket,do_not_contact,sms_opt_out,call_opt_out,email_opt_out,time_zone"
    )
    assert (row["first_name"], row["phone"], row["phone_raw"]) == (
        "Jane",
        "+12125550101",
        "(212) 555-0101",
    )
    assert (row["last_outcome"], row["bucket"]) == ("no_show", "scheduling")


@pytest.mark.parametrize("value", ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@Sum(A1)"])
def test_formula_like_values_are_neutralized_on_export(practice, value):
    run_import(practice, csv_bytes([["A-1", value, "Doe", "212-555-0101", "", "", "", ""]]))
    (row,) = export("export_contacts", practice)
    assert row["first_name"] == "'" + value


def test_export_duplicates_lists_open_candidates(practice):
    rows = [
        ["", "Maria", "Lopez", "212-555-0110", "", "", "inquiry", ""],
        ["", "Carlos", "Lopez", "212-555-0110", "", "", "inquiry", ""],
    ]
    run_import(practice, csv_bytes(rows))
    (row,) = export("export_duplicates", practice)
    assert list(row) == ["contact_a", "contact_b", "score", "reason"]
    assert "same phone" in row["reason"]


def test_exports_only_hold_the_practices_own_contacts(practice, other_practice):
    run_import(other_practice, csv_bytes([["Z-1", "Zed", "Other", "212-555-0199", "", "", "", ""]]))
    assert export("export_contacts", practice) == []
