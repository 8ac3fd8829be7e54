"""The line type before the first text (issue 17.7), through the dispatcher's send, the real
SDK and the fake Twilio's Lookup v2: what Twilio was asked and what it accepted is the truth."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Channel, Touch, TouchStatus
from outreach.models import NumberLine
from outreach.pacing import touches_send
from tests.outreach.helpers import NOON, claimed_touch, send_one

pytestmark = pytest.mark.django_db
PATIENT = "+12125550123"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOON, tick=True):
        yield


@pytest.fixture
def lookup(twilio, settings):
    settings.NUMBER_CHECK_BACKEND = "twilio"
    settings.NUMBER_CHECK_TIMEOUT = 0.5
    return twilio


def refreshed(touch):
    touch.refresh_from_db()
    return touch


def claim(touch):
    Touch.objects.filter(pk=touch.pk).update(status=TouchStatus.CLAIMED, claimed_at=NOON)


def test_a_mobile_number_is_looked_up_then_texted(practice, lookup):
    touch = claimed_touch(practice, phone=PATIENT)

    assert send_one(touch.pk, NOON) == "sent"

    assert [entry["number"] for entry in lookup.lookups] == [PATIENT]
    assert len(lookup.messages_to(PATIENT)) == 1
    assert NumberLine.objects.get(phone=PATIENT).line_type == "mobile"


def test_a_landline_gets_no_text_but_keeps_its_calls(practice, lookup):
    lookup.line_type(PATIENT, "landline")
    touch = claimed_touch(practice, phone=PATIENT)
    call = Touch.objects.create(
        practice=practice,
        enrollment=touch.enrollment,
        step=touch.step,
        channel=Channel.CALL,
        due_at=NOON + dt.timedelta(days=1),
    )

    assert send_one(touch.pk, NOON) == "skipped"

    assert lookup.messages_to(PATIENT) == []
    assert refreshed(touch).reason == "skipped: texts cannot reach this number (a landline)"
    assert refreshed(call).status == TouchStatus.PLANNED
    contact = touch.enrollment.contact
    contact.refresh_from_db()
    assert contact.sms_unreachable == "a landline (line check)"


def test_an_invalid_number_gets_no_text(practice, lookup):
    touch = claimed_touch(practice, phone="+1212555012")  # a digit short

    assert send_one(touch.pk, NOON) == "skipped"

    assert "not a valid phone number" in refreshed(touch).reason
    assert lookup.messages == []


def test_a_lookup_timeout_holds_the_text_and_a_later_pass_sends_it(practice, lookup):
    touch = claimed_touch(practice, phone=PATIENT)
    lookup.slow(2.0, count=1)

    assert send_one(touch.pk, NOON) == "held"

    held = refreshed(touch)
    assert held.status == TouchStatus.PLANNED
    assert held.due_at == NOON + dt.timedelta(minutes=15)
    assert held.reason.startswith("held: the number's line type could not be checked")
    assert lookup.messages_to(PATIENT) == [] and not NumberLine.objects.exists()

    later = NOON + dt.timedelta(minutes=15)
    claim(touch)
    assert send_one(touch.pk, later) == "sent"
    assert len(lookup.messages_to(PATIENT)) == 1


def test_a_lookup_server_error_holds_the_text(practice, lookup):
    touch = claimed_touch(practice, phone=PATIENT)
    lookup.fail_next(503, method="GET")

    assert send_one(touch.pk, NOON) == "held"
    assert lookup.messages == []


def test_the_cached_line_type_is_used_for_the_second_text(practice, lookup):
    first = claimed_touch(practice, phone=PATIENT)
    second = claimed_touch(practice, phone=PATIENT)  # a family member with the same phone

    assert send_one(first.pk, NOON) == "sent"
    assert send_one(second.pk, NOON + dt.timedelta(days=1)) == "sent"

    assert len(lookup.lookups) == 1 and len(lookup.messages_to(PATIENT)) == 2


def test_a_batch_looks_each_number_up_once(practice, lookup):
    touches = [claimed_touch(practice, phone=PATIENT) for _ in range(3)]
    other = claimed_touch(practice, phone="+12125550124")

    results = touches_send([t.pk for t in [*touches, other]], NOON)

    assert set(results.values()) == {"sent"}
    assert sorted(entry["number"] for entry in lookup.lookups) == [PATIENT, "+12125550124"]


def test_a_batch_reads_its_cached_line_types_in_one_query(practice, lookup):
    phones = [f"+1212555013{i}" for i in range(4)]
    for phone in phones:
        NumberLine.objects.create(phone=phone, line_type="mobile", checked_at=NOON, source="x")
    touches = [claimed_touch(practice, phone=phone) for phone in phones]

    with CaptureQueriesContext(connection) as queries:
        results = touches_send([t.pk for t in touches], NOON)

    assert set(results.values()) == {"sent"} and lookup.lookups == []
    reads = [q for q in queries if '"outreach_numberline"' in q["sql"]]
    assert len(reads) == 1


def test_a_line_type_older_than_the_recheck_age_is_looked_up_again(practice, lookup, settings):
    settings.NUMBER_CHECK_MAX_AGE_DAYS = 90
    NumberLine.objects.create(
        phone=PATIENT, line_type="mobile", checked_at=NOON - dt.timedelta(days=91), source="x"
    )
    lookup.line_type(PATIENT, "landline")  # the number was moved to a landline since
    touch = claimed_touch(practice, phone=PATIENT)

    assert send_one(touch.pk, NOON) == "skipped"

    assert len(lookup.lookups) == 1
    line = NumberLine.objects.get(phone=PATIENT)
    assert (line.line_type, line.checked_at, line.source) == ("landline", NOON, "twilio-lookup")


def test_a_fresh_cached_landline_skips_without_a_lookup(practice, lookup):
    NumberLine.objects.create(
        phone=PATIENT, line_type="landline", checked_at=NOON - dt.timedelta(days=3), source="x"
    )
    touch = claimed_touch(practice, phone=PATIENT)

    assert send_one(touch.pk, NOON) == "skipped"
    assert lookup.lookups == [] and lookup.messages == []


def test_calls_and_email_are_not_looked_up(practice, lookup):
    touch = claimed_touch(practice, phone=PATIENT, channel=Channel.VOICEMAIL)

    assert send_one(touch.pk, NOON) == "sent"
    assert lookup.lookups == []


def test_the_sandbox_marks_its_landline_without_a_request(practice, twilio, settings):
    settings.NUMBER_CHECK_BACKEND = "sandbox"
    touch = claimed_touch(practice, phone="+15005550010")

    assert send_one(touch.pk, NOON) == "skipped"

    assert twilio.lookups == [] and twilio.messages == []
    assert not NumberLine.objects.exists()  # the sandbox's answers are not kept
