"""``sync_appointments --file``: the stable command-line contract of DESIGN §7."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from schedule.models import Appointment
from schedule.sync import SUMMARY_KEYS
from tests.conftest import ROOT, worker_database_url

pytestmark = pytest.mark.django_db
HEADER = ["Visit No", "Patient", "When", "Status"]


def export(tmp_path, rows=(("V1", "1001", "12/09/2030 10:00", "Booked"),)):
    path = tmp_path / "appointments.csv"
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def run(practice, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("sync_appointments", "--practice", practice.slug, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


MAPPING = json.dumps({"appointment_id": "Visit No", "start": "When"})


def test_prints_one_json_line_with_every_key(practice, tmp_path):
    out, _ = run(practice, "--file", str(export(tmp_path)), "--mapping", MAPPING)

    assert out.count("\n") == 1
    summary = json.loads(out)
    assert list(summary) == list(SUMMARY_KEYS)
    assert (summary["read"], summary["created"], summary["unmatched"]) == (1, 1, 1)
    assert Appointment.objects.get().key == "V1"


def test_a_file_already_synced_prints_zeros_and_says_so(practice, tmp_path):
    path = export(tmp_path)
    run(practice, "--file", str(path), "--mapping", MAPPING)

    out, err = run(practice, "--file", str(path), "--mapping", MAPPING)

    assert json.loads(out) == dict.fromkeys(SUMMARY_KEYS, 0)
    assert "already synced" in err


def test_the_mapping_is_remembered_for_the_next_file(practice, tmp_path):
    run(practice, "--file", str(export(tmp_path)), "--mapping", MAPPING)
    later = export(tmp_path, [("V2", "1001", "12/10/2030 10:00", "Booked")])

    out, _ = run(practice, "--file", str(later))

    assert json.loads(out)["created"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--file", "/nonexistent/appointments.csv"],
            "No such file: /nonexistent/appointments.csv",
        ),
        (["--mapping", "{not json"], "--mapping is not valid JSON"),
        (["--mapping", '["Visit No"]'], "--mapping must be a JSON object"),
        (
            ["--mapping", '{"appointment_id": "Appt Number"}'],
            "Column(s) not in the file: Appt Number.",
        ),
        (["--mapping", '{"colour": "When"}'], "Unknown field(s) in mapping: colour."),
        ([], "Map the column that holds the appointment id"),
    ],
    ids=["missing file", "bad json", "not an object", "unknown header", "unknown field", "no id"],
)
def test_bad_input_is_one_line(practice, tmp_path, args, message):
    path = export(tmp_path)
    if "--file" not in args:
        args = ["--file", str(path), *args]

    with pytest.raises(CommandError) as raised:
        run(practice, *args)

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.django_db(transaction=True)
def test_from_the_shell_bad_input_exits_non_zero_without_a_traceback(practice, tmp_path):
    path = export(tmp_path)
    result = subprocess.run(
        [
            *(sys.executable, "manage.py", "sync_appointments", "--practice", practice.slug),
            *("--file", str(path), "--mapping", '{"appointment_id": "Appt Number"}'),
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": worker_database_url()},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert result.stdout == ""
    # The last line says why (a log line about the failed run may come before it).
    assert result.stderr.strip().splitlines()[-1] == (
        "CommandError: Column(s) not in the file: Appt Number."
    )
    assert "Traceback" not in result.stderr
