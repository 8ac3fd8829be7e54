"""Receipts: each touch sent or held keeps the rules it was checked against, and an admin
exports them as CSV for one patient or a date range (ids and rules, no patient data)."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from campaigns.models import Touch
from campaigns.state_rules import RULES_VERSION
from contacts.consent import consent_grant
from contacts.models import ConsentBasis, ConsentSource
from outreach.models import Message
from tests.outreach.helpers import NOON, claimed_touch, send_one

pytestmark = pytest.mark.django_db
MIAMI = "+13055550123"
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOON, tick=True):
        yield


def export(practice, *args):
    out = io.StringIO()
    call_command("export_receipts", "--practice", practice.slug, *args, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_a_sent_text_keeps_its_states_window_cap_and_rules_version(practice, twilio):
    touch = claimed_touch(practice, phone=MIAMI)
    assert send_one(touch.pk, NOON) == "sent"
    receipt = Message.objects.get(touch=touch).receipt
    assert receipt["a"] == "send" and receipt["s"] == "FL" and receipt["c"] == [0, 3]
    assert "America/New_York" in receipt["w"] and receipt["v"] == RULES_VERSION


def test_a_held_text_keeps_its_receipt_with_when_it_was_checked(practice, twilio):
    late = NOON.replace(hour=1)  # 20:00 in New York the evening before
    touch = claimed_touch(practice, phone=MIAMI, due_at=late)
    assert send_one(touch.pk, late) == "held"
    touch.refresh_from_db()
    assert touch.receipt["a"] == "hold" and touch.receipt["t"] == late.isoformat()


def test_the_export_says_why_each_message_was_allowed_for_one_patient(practice, twilio):
    touch = claimed_touch(practice, phone=MIAMI)
    other = claimed_touch(practice, phone="+12125550188")
    send_one(touch.pk, NOON)
    send_one(other.pk, NOON)

    [row] = export(practice, "--contact", str(touch.enrollment.contact_id))

    assert row["touch_id"] == str(touch.pk) and row["action"] == "send"
    assert (row["states"], row["cap_used"], row["cap_limit"]) == ("FL", "0", "3")
    assert row["rules_version"] == RULES_VERSION
    assert MIAMI not in ",".join(row.values())  # ids and rules, not the patient's number


def test_the_export_covers_a_date_range_and_only_this_practice(practice, other_practice, twilio):
    sent = claimed_touch(practice, phone=MIAMI)
    send_one(sent.pk, NOON)
    elsewhere = claimed_touch(other_practice, phone=MIAMI)
    send_one(elsewhere.pk, NOON)

    day = NOON.date().isoformat()
    assert [r["touch_id"] for r in export(practice, "--since", day, "--until", day)] == [
        str(sent.pk)
    ]
    assert export(practice, "--since", "2026-12-03") == []
    assert Touch.objects.filter(pk=elsewhere.pk, status="sent").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since must be a date like 2026-12-01"),
        (["--contact", "abc"], "No patient 'abc' in this practice."),
        (["--since", "2026-12-05", "--until", "2026-12-01"], "--since must not be after"),
    ],
    ids=["bad date", "bad contact", "backwards range"],
)
def test_bad_input_is_one_line(practice, args, message):
    with pytest.raises(CommandError, match=message) as raised:
        export(practice, *args)
    assert "\n" not in str(raised.value)


def test_another_practices_patient_is_not_exported(practice, other_practice, twilio):
    touch = claimed_touch(other_practice, phone=MIAMI)
    with pytest.raises(CommandError, match="No patient"):
        export(practice, "--contact", str(touch.enrollment.contact_id))


def test_the_export_gives_the_consent_basis_on_record_when_the_message_went_out(practice, twilio):
    touch = claimed_touch(practice, phone=MIAMI)
    contact = touch.enrollment.contact
    web = ConsentSource.WEB_FORM
    consent_grant(contact, basis=ConsentBasis.INQUIRY_FORM, source=web, at=NOON - 3 * DAY)
    consent_grant(contact, basis=ConsentBasis.WRITTEN, source=web, at=NOON + 3 * DAY)
    send_one(touch.pk, NOON)

    [row] = export(practice, "--contact", str(contact.pk))

    assert row["consent_basis"] == ConsentBasis.INQUIRY_FORM  # not the later written one
