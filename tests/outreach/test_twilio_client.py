"""The Twilio client through the real SDK, against the fake Twilio server."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from outreach.twilio_client import (
    ERROR_ACTIONS,
    TRANSPORT_ERRORS,
    BaseUrlHttpClient,
    SendError,
    send_error_from,
    twilio_client,
)
from tests.fake_twilio import RemoteFakeTwilio
from tests.fake_twilio.signing import (
    inbound_sms_payload,
    message_status_payload,
    sign,
    voice_status_payload,
)

ROOT = Path(__file__).resolve().parents[2]
SERVICE = "MG" + "1" * 32
SENDER = "+15005550006"
PATIENT = "+15551230001"


def send(**kwargs):
    """Create a message the way the transport will, turning failures into SendError."""
    params = {"to": PATIENT, "messaging_service_sid": SERVICE, "body": "Hello from Harbor"}
    params.update(kwargs)
    try:
        return twilio_client().messages.create(**params)
    except TRANSPORT_ERRORS as exc:
        raise send_error_from(exc) from exc


def test_create_a_message_and_fetch_it(twilio_settings, fake_twilio):
    message = send(status_callback="https://app.example/hooks/twilio/status")

    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.status == "accepted"  # through a Messaging Service
    assert message.to == PATIENT
    assert message.messaging_service_sid == SERVICE
    assert message.date_created.tzinfo is not None
    [logged] = fake_twilio.messages_to(PATIENT)
    assert logged["sid"] == message.sid
    assert logged["body"] == "Hello from Harbor"
    assert logged["status_callback"] == "https://app.example/hooks/twilio/status"

    fetched = twilio_client().messages(message.sid).fetch()
    assert fetched.sid == message.sid
    assert fetched.body == "Hello from Harbor"
    assert fetched.date_sent is not None


def test_create_from_a_number_is_queued(twilio_settings):
    message = send(messaging_service_sid=None, from_=SENDER, body="x" * 200)
    assert message.status == "queued"
    assert message.from_ == SENDER
    assert message.num_segments == "2"


def test_list_messages_to_a_number_since_a_time(twilio_settings, fake_twilio):
    """The reconciliation query: what did Twilio accept for this number since the claim?"""
    since = datetime.now(UTC) - timedelta(seconds=1)
    first = send()
    second = send(body="Second")
    send(to="+15551230002")

    found = twilio_client().messages.list(to=PATIENT, date_sent_after=since)
    assert [m.sid for m in found] == [second.sid, first.sid]  # newest first, like Twilio

    later = datetime.now(UTC) + timedelta(minutes=5)
    assert twilio_client().messages.list(to=PATIENT, date_sent_after=later) == []
    request = twilio_client().http_client._test_only_last_request
    assert "DateSent>" in request.params  # the SDK's spelling of "sent on or after"


def test_list_pages_through_next_page_uri(twilio_settings):
    sent = [send(body=f"n{i}").sid for i in range(5)]
    found = twilio_client().messages.list(to=PATIENT, page_size=2)
    assert [m.sid for m in found] == sent[::-1]


def test_create_and_fetch_a_call(twilio_settings, fake_twilio):
    call = twilio_client().calls.create(
        to=PATIENT,
        from_=SENDER,
        url="https://app.example/voice/twiml",
        status_callback="https://app.example/hooks/twilio/voice",
        machine_detection="DetectMessageEnd",
        async_amd="true",
        async_amd_status_callback="https://app.example/hooks/twilio/amd",
    )
    assert call.sid.startswith("CA") and len(call.sid) == 34
    assert call.status == "queued"
    [logged] = fake_twilio.calls_to(PATIENT)
    assert logged["machine_detection"] == "DetectMessageEnd"
    assert logged["async_amd_status_callback"] == "https://app.example/hooks/twilio/amd"
    assert twilio_client().calls(call.sid).fetch().to == PATIENT
    assert [c.sid for c in twilio_client().calls.list(to=PATIENT)] == [call.sid]


@pytest.mark.parametrize(
    ("to", "code", "action"),
    [
        ("+15005550001", 21211, "not_textable"),
        ("+15005550002", 21612, ""),
        ("+15005550003", 21408, ""),
        ("+15005550004", 21610, "sms_opt_out"),
        ("+15005550009", 21614, "not_textable"),
    ],
)
def test_magic_numbers_raise_permanent_send_errors(twilio_settings, fake_twilio, to, code, action):
    with pytest.raises(SendError) as caught:
        send(to=to)
    error = caught.value
    assert (error.code, error.status, error.permanent) == (code, 400, True)
    assert error.action == action == ERROR_ACTIONS.get(code, "")
    assert not error.maybe_sent
    assert to not in str(error)  # plain English, no phone number
    assert fake_twilio.messages_to(to) == []


@pytest.mark.parametrize(
    ("to", "code"),
    [
        ("+15005550001", 21217),
        ("+15005550002", 21214),
        ("+15005550003", 21215),
        ("+15005550004", 21216),
    ],
)
def test_magic_numbers_for_calls(twilio_settings, to, code):
    with pytest.raises(TwilioRestException) as caught:
        twilio_client().calls.create(to=to, from_=SENDER, twiml="<Response/>")
    assert caught.value.code == code
    assert send_error_from(caught.value).permanent


def test_error_actions():
    assert ERROR_ACTIONS[21610] == "sms_opt_out"
    assert {ERROR_ACTIONS[c] for c in (21211, 21614, 30006)} == {"not_textable"}
    assert ERROR_ACTIONS[30003] == "retry_later_day"
    assert ERROR_ACTIONS[30007] == "alert_no_resend"
    assert SendError("x", code=21612).action == ""


def test_429_then_success(twilio_settings, fake_twilio):
    fake_twilio.fail_next(429)
    with pytest.raises(SendError) as caught:
        send()
    assert (caught.value.status, caught.value.code) == (429, 20429)
    assert not caught.value.permanent and not caught.value.maybe_sent
    assert fake_twilio.messages_to(PATIENT) == []

    message = send()
    assert [m["sid"] for m in fake_twilio.messages_to(PATIENT)] == [message.sid]


def test_500_after_accept_is_found_by_the_reconciliation_list(twilio_settings, fake_twilio):
    since = datetime.now(UTC) - timedelta(seconds=1)
    fake_twilio.fail_after_accept(500)
    with pytest.raises(SendError) as caught:
        send()
    assert caught.value.status == 500
    assert not caught.value.permanent and caught.value.maybe_sent

    [logged] = fake_twilio.messages_to(PATIENT)
    [found] = twilio_client().messages.list(to=PATIENT, date_sent_after=since)
    assert found.sid == logged["sid"]


def test_a_slow_answer_beyond_the_timeout(twilio_settings, fake_twilio):
    twilio_settings.TWILIO_TIMEOUT = 0.2
    twilio_client.cache_clear()
    fake_twilio.slow(2.0, count=1)
    with pytest.raises(SendError) as caught:
        send()
    assert isinstance(caught.value.__cause__, requests.Timeout)
    assert not caught.value.permanent and caught.value.maybe_sent
    assert caught.value.code is None and caught.value.status is None
    # Twilio had accepted it: reconciliation, not a resend, must follow.
    assert len(fake_twilio.messages_to(PATIENT)) == 1


def test_connection_refused_is_transient_and_nothing_was_sent(settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "0" * 32, "token"
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    twilio_client.cache_clear()
    try:
        with pytest.raises(SendError) as caught:
            send()
    finally:
        twilio_client.cache_clear()
    assert not caught.value.permanent and not caught.value.maybe_sent


def test_wrong_credentials(twilio_settings):
    twilio_settings.TWILIO_AUTH_TOKEN = "wrong"
    twilio_client.cache_clear()
    with pytest.raises(SendError) as caught:
        send()
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert "TWILIO_AUTH_TOKEN" in caught.value.message
    # Retrying later (after the configuration is fixed) must stay possible.
    assert not caught.value.permanent


def test_missing_settings_raise_improperly_configured(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    settings.TWILIO_AUTH_TOKEN = ""
    twilio_client.cache_clear()
    with pytest.raises(ImproperlyConfigured, match="TWILIO_ACCOUNT_SID"):
        twilio_client()


def test_importing_the_module_builds_no_client():
    code = (
        "import django; django.setup()\n"
        "import twilio.rest\n"
        "def refuse(*a, **k): raise AssertionError('client built at import')\n"
        "twilio.rest.Client.__init__ = refuse\n"
        "import outreach.twilio_client as m\n"
        "assert m.twilio_client.cache_info().currsize == 0\n"
        "try:\n"
        "    m.twilio_client()\n"
        "except django.core.exceptions.ImproperlyConfigured:\n"
        "    print('unconfigured')\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
    }
    env["DJANGO_SETTINGS_MODULE"] = "reactivate.settings"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unconfigured"


def test_the_client_is_built_once(twilio_settings):
    assert twilio_client() is twilio_client()
    assert isinstance(twilio_client().http_client, BaseUrlHttpClient)


def test_keep_alive_reuses_one_connection(twilio_settings, fake_twilio):
    send()
    send()
    twilio_client().messages.list(to=PATIENT)
    assert fake_twilio.requests == 3
    assert fake_twilio.connections == 1


def test_base_url_rewriting():
    client = BaseUrlHttpClient("http://127.0.0.1:8765/", timeout=1)
    assert (
        client.rewrite("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?To=1")
        == "http://127.0.0.1:8765/2010-04-01/Accounts/AC1/Messages.json?To=1"
    )
    assert client.rewrite("https://api.dublin.ie1.twilio.com/x") == "http://127.0.0.1:8765/x"
    assert client.rewrite("https://example.com/twilio.com/x") == "https://example.com/twilio.com/x"
    assert BaseUrlHttpClient("", timeout=1).rewrite("https://api.twilio.com/x") == (
        "https://api.twilio.com/x"
    )
    assert BaseUrlHttpClient("https://api.twilio.com", timeout=1).base_url == ""


def test_send_error_from_other_exceptions_reraises():
    with pytest.raises(KeyError):
        send_error_from(KeyError("bug"))


def test_the_fake_can_be_driven_over_http(fake_twilio, twilio_settings):
    remote = RemoteFakeTwilio(fake_twilio.base_url)
    remote.fail_next(503, method="POST")
    with pytest.raises(SendError) as caught:
        send()
    assert caught.value.status == 503 and not caught.value.permanent
    message = send()
    assert [m["sid"] for m in remote.messages_to(PATIENT)] == [message.sid]
    assert remote.stats()["messages"] == 1
    remote.reset()
    assert fake_twilio.messages == []


def test_the_fake_runs_as_a_process_of_its_own():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_twilio.server", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("fake twilio listening on http://127.0.0.1:")
        remote = RemoteFakeTwilio(line.split()[-1])
        assert remote.stats() == {"connections": 1, "requests": 0, "messages": 0, "calls": 0}
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_a_signed_payload_validates_and_a_tampered_one_does_not():
    token = "0123456789abcdef0123456789abcdef"
    url = "https://reactivate.example/hooks/twilio/sms"
    params = inbound_sms_payload(
        from_=PATIENT, to=SENDER, body="STOP", messaging_service_sid=SERVICE, opt_out_type="STOP"
    )
    signature = sign(url, params, token)
    validator = RequestValidator(token)
    assert validator.validate(url, params, signature)
    assert not validator.validate(url, {**params, "Body": "START"}, signature)
    assert not validator.validate(url + "?x=1", params, signature)
    assert not RequestValidator("other").validate(url, params, signature)


def test_payload_shapes():
    sms = inbound_sms_payload(from_=PATIENT, to=SENDER, body="Hi")
    assert sms["MessageSid"] == sms["SmsSid"] == sms["SmsMessageSid"]
    assert sms["MessageSid"].startswith("SM") and len(sms["MessageSid"]) == 34
    assert {"AccountSid", "NumMedia", "NumSegments", "ApiVersion", "FromCity"} <= set(sms)
    assert "OptOutType" not in sms and "MessagingServiceSid" not in sms
    assert all(isinstance(v, str) for v in sms.values())

    status = message_status_payload(
        message_sid=sms["MessageSid"], status="undelivered", to=PATIENT, error_code=30003
    )
    assert status["MessageStatus"] == status["SmsStatus"] == "undelivered"
    assert status["ErrorCode"] == "30003"

    voice = voice_status_payload(
        call_sid="CA" + "2" * 32,
        status="completed",
        to=PATIENT,
        from_=SENDER,
        duration=61,
        answered_by="machine_end_beep",
        machine_detection_duration=3100,
    )
    assert (voice["CallStatus"], voice["CallDuration"], voice["Duration"]) == (
        "completed",
        "61",
        "2",
    )
    assert voice["AnsweredBy"] == "machine_end_beep"
    assert voice["Caller"] == SENDER and voice["Called"] == PATIENT


def test_sdk_requests_log_no_phone_numbers(twilio_settings, caplog):
    caplog.set_level("DEBUG")
    send()
    twilio_client().messages.list(to=PATIENT)
    assert PATIENT not in caplog.text
