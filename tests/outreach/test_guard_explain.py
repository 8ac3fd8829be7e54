"""``guard_explain``: the send guard's verdict for a hypothetical touch, one JSON line
(DESIGN §7), from the dispatcher's code."""

import datetime as dt
import io
import json
import os
import subprocess
import sys

import pytest
import time_machine
from django.core.management import CommandError, call_command

from outreach.models import AddressBlock, Direction, Message
from tests.conftest import ROOT, worker_database_url
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

MIAMI = "+13055550123"
KEYS = {"action", "reason", "until", "states", "window", "cap_used", "cap_limit"}


def run(practice, *args):
    out = io.StringIO()
    call_command("guard_explain", "--practice", practice.slug, *args, stdout=out)
    [line] = out.getvalue().splitlines()
    return json.loads(line)


def test_a_text_inside_the_window_is_sent_with_the_rules_it_was_checked_against(practice):
    # 10:00 in Miami, a Wednesday.
    answer = run(practice, "--phone", MIAMI, "--channel", "sms", "--at", "2026-12-02T15:00Z")
    assert set(answer) == KEYS
    assert answer["action"] == "send" and answer["reason"] == "" and answer["until"] is None
    assert answer["states"] == ["FL"]  # the area code's state
    assert "America/New_York" in answer["window"] and "FL" in answer["window"]
    assert (answer["cap_used"], answer["cap_limit"]) == (0, 3)


def test_a_text_past_floridas_evening_limit_is_held_to_the_next_morning(practice):
    practice.sending_window_start, practice.sending_window_end = dt.time(8), dt.time(21)
    practice.save()
    answer = run(practice, "--phone", MIAMI, "--channel", "sms", "--at", "2026-12-02T20:30-05:00")
    assert answer["action"] == "hold"
    assert "Florida" in answer["reason"]
    assert answer["until"] == "2026-12-03T13:00:00+00:00"  # 08:00 in Miami


def test_the_contact_history_is_counted_by_the_cap(practice):
    history = json.dumps(["2026-12-02T01:00Z", "2026-12-02T10:00Z", "2026-12-02T14:00Z"])
    answer = run(
        practice,
        *("--phone", MIAMI, "--channel", "call", "--at", "2026-12-02T15:00Z"),
        *("--contact-history", history),
    )
    assert answer["action"] == "hold"
    assert answer["until"] == "2026-12-03T01:00:00+00:00"
    assert (answer["cap_used"], answer["cap_limit"]) == (3, 3)
    assert "3 calls and texts to this number in 24 hours" in answer["reason"]


def test_without_a_history_the_numbers_attempts_in_the_database_count(practice):
    sibling = ContactFactory(practice=practice, phone=MIAMI)
    # An hour before a time inside the sending window: at the clock's own time the guard
    # would stop at the window on an evening and never count the attempts.
    with time_machine.travel("2026-12-02T14:00Z", tick=False):
        for _ in range(2):
            Message.objects.create(
                practice=practice, contact=sibling, direction=Direction.OUT, channel="sms",
                to_number=MIAMI, status="sent",
            )  # fmt: skip
    answer = run(practice, "--phone", MIAMI, "--channel", "sms", "--at", "2026-12-02T15:00Z")
    assert answer["cap_used"] == 2


def test_a_number_that_opted_out_is_skipped(practice):
    AddressBlock.objects.create(
        practice=practice, address=MIAMI, channel="sms", at="2026-11-01T00:00Z", via="text: STOP"
    )
    answer = run(practice, "--phone", MIAMI, "--channel", "sms", "--at", "2026-12-02T15:00Z")
    assert answer["action"] == "skip" and "opted out of texts" in answer["reason"]


def test_a_florida_address_holds_a_new_york_number_past_20_00(practice):
    practice.sending_window_start, practice.sending_window_end = dt.time(8), dt.time(21)
    practice.save()
    at = ("--channel", "sms", "--at", "2026-12-03T01:30Z")  # 20:30 in New York
    assert run(practice, "--phone", "+12125550123", *at)["action"] == "send"
    answer = run(practice, "--phone", "+12125550123", "--state", "FL", *at)
    assert "FL" in answer["states"] and answer["action"] == "hold"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--phone", "555-0123"], "--phone must be a valid E.164 number"),
        (["--channel", "fax"], "--channel must be one of sms, call, voicemail, email"),
        (["--at", "2026-12-02T15:00"], "--at needs a time zone offset"),
        (["--at", "tomorrow"], "--at must be an ISO 8601 instant"),
        (["--contact-history", "[1,"], "--contact-history must be JSON"),
        (["--contact-history", '["2026-12-01T10:00"]'], "needs a time zone offset"),
        (["--state", "Florida"], "--state must be a two-letter US state code"),
    ],
    ids=["phone", "channel", "naive at", "not a time", "json", "naive history", "state"],
)
def test_bad_input_is_one_line(practice, args, message):
    given = {"--phone": MIAMI, "--channel": "sms", "--at": "2026-12-02T15:00Z"}
    given.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError) as raised:
        run(practice, *(x for pair in given.items() for x in pair))
    assert message in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.django_db(transaction=True)
def test_from_the_shell_an_unknown_practice_exits_non_zero_without_a_traceback():
    result = subprocess.run(
        [
            *(sys.executable, "manage.py", "guard_explain", "--practice", "nowhere"),
            *("--phone", MIAMI, "--channel", "sms", "--at", "2026-12-02T15:00Z"),
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": worker_database_url()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.strip().splitlines() == ["CommandError: No practice with slug 'nowhere'."]
