"""``import_contacts``: the stable command-line contract of DESIGN §7."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Contact
from tests.contacts.helpers import csv_bytes, write

pytestmark = pytest.mark.django_db

ROWS = [
    ["A-1", "Jane", "Doe", "212-555-0101", "jane@example.com", "1980-03-05", "NS", ""],
    ["A-2", '=HYPERLINK("x")', "Roe", "bad phone", "", "", "inquiry", ""],
    ["A-1", "Jane", "Doe", "", "", "", "", ""],
]


def run(*args):
    out = io.StringIO()
    call_command("import_contacts", *args, stdout=out)
    return out.getvalue()


def test_prints_a_one_line_json_summary(practice, tmp_path):
    out = run(str(write(tmp_path, csv_bytes(ROWS))), "--practice", practice.slug)
    assert out.count("\n") == 1
    summary = json.loads(out)
    assert summary == {
        "rows": 3,
        "created": 2,
        "updated": 0,
        "merged": 1,
        "duplicate_candidates": 0,
        "invalid_phone": 1,
        "invalid_email": 0,
        "do_not_contact": 0,
        "errors": 0,
    }


def test_report_has_one_line_per_input_row(practice, tmp_path):
    report = tmp_path / "report.csv"
    run(str(write(tmp_path, csv_bytes(ROWS))), "--practice", practice.slug, "--report", str(report))
    lines = list(csv.DictReader(report.open(newline="")))
    assert [line["row"] for line in lines] == ["1", "2", "3"]
    assert [line["result"] for line in lines] == ["created", "created", "merged"]
    assert lines[0]["contact_id"] == str(Contact.objects.get(external_id="A-1").pk)


def test_dry_run_changes_nothing(practice, tmp_path):
    out = run(str(write(tmp_path, csv_bytes(ROWS))), "--practice", practice.slug, "--dry-run")
    assert json.loads(out)["created"] == 2
    assert Contact.objects.count() == 0


def test_mapping_names_the_columns(practice, tmp_path):
    data = csv_bytes(
        [["7", "Ann", "Lee", "212-555-0120"]], header=["Chart", "Given", "Fam", "Tel2"]
    )
    mapping = json.dumps(
        {"external_id": "Chart", "first_name": "Given", "last_name": "Fam", "phone": "Tel2"}
    )
    run(str(write(tmp_path, data)), "--practice", practice.slug, "--mapping", mapping)
    assert Contact.objects.get().phone == "+12125550120"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--practice", "nope"], "No practice with slug 'nope'"),
        (["--practice", "harbor", "--mapping", "{bad"], "--mapping is not valid JSON"),
        (["--practice", "harbor", "--mapping", '{"shoe_size": "Cell"}'], "Unknown field"),
        (["--practice", "harbor", "--mapping", '{"phone": "Fax"}'], "not in the file: Fax"),
    ],
)
def test_bad_arguments_get_a_one_line_message(practice, tmp_path, args, message):
    path = write(tmp_path, csv_bytes(ROWS))
    with pytest.raises(CommandError, match=message):
        run(str(path), *args)


def test_a_bad_file_gets_a_one_line_message(practice, tmp_path):
    path = write(tmp_path, b"")
    with pytest.raises(CommandError, match=r"The file is empty\."):
        run(str(path), "--practice", practice.slug)
