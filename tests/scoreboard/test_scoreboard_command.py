"""``manage.py scoreboard --practice SLUG --json [--since DATE]`` (DESIGN §7)."""

import json
import os
import subprocess
import sys

import pytest
import time_machine
from django.core.management import call_command

from tests.conftest import worker_database_url
from tests.scoreboard import scenario
from tests.scoreboard.scenario import NOW

pytestmark = pytest.mark.django_db

# As DESIGN §7 lists them.
KEYS = (
    "contacted reached replied qualified scheduled showed decisions reply_rate"
    " qualification_rate scheduled_rate show_rate decision_rate revenue_recovered"
    " revenue_at_stake"
)


def run(capsys, *args):
    with time_machine.travel(NOW, tick=False):
        call_command("scoreboard", *args)
    return json.loads(capsys.readouterr().out)


def test_prints_exactly_the_design_keys_with_the_scenarios_numbers(practice, capsys):
    with time_machine.travel(NOW, tick=False):
        scenario.build(practice)
    result = run(capsys, "--practice", "harbor", "--json", "--since", "2026-03-01")
    assert set(result) == set(KEYS.split())
    assert result["contacted"] == 16 and result["decisions"] == 10
    assert result["reply_rate"] == 0.6875 and result["show_rate"] == 0.5
    assert result["revenue_recovered"] == 15000.0


def test_a_rate_with_no_denominator_is_null(practice, capsys):
    result = run(capsys, "--practice", "harbor", "--json")
    assert result["contacted"] == 0 and result["reply_rate"] is None
    assert result["decision_rate"] is None


def test_since_leaves_out_what_came_before(practice, capsys):
    with time_machine.travel(NOW, tick=False):
        scenario.build(practice)
    result = run(capsys, "--practice", "harbor", "--json", "--since", "2026-03-13")
    assert result["show_rate"] == 0.0  # only patient 4's appointment (March 13): a no-show
    assert result["contacted"] == 16


@pytest.mark.parametrize(
    "args, message",
    [
        (["--practice", "nowhere", "--json"], "No practice with slug 'nowhere'."),
        (["--practice", "harbor", "--json", "--since", "March"], "--since must be a date"),
    ],
)
def test_bad_input_is_one_line_without_a_traceback(practice, args, message):
    # A real process (to see its stderr as a user would), on the test database.
    result = subprocess.run(
        [sys.executable, "manage.py", "scoreboard", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DATABASE_URL": worker_database_url()},
    )
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
