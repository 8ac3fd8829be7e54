"""Webhook payloads shaped like Twilio's, signed as Twilio signs them.

Twilio POSTs ``application/x-www-form-urlencoded`` parameters and an ``X-Twilio-Signature``
header: base64(HMAC-SHA1(auth token, full URL + each parameter name and value, sorted by
name)). Post the payload form-encoded (``form_body``), not as multipart, so a view sees the
same body Twilio would send::

    params = inbound_sms_payload(from_="+15551230000", to="+15559870000", body="STOP")
    url = settings.PUBLIC_BASE_URL + path
    client.post(path, form_body(params), content_type=FORM,
                headers={"X-Twilio-Signature": sign(url, params, token)})

Parameter sets follow Twilio's docs ("Twilio's request to your incoming message Webhook
URL", "Track the message status of outbound messages", the Call resource's StatusCallback,
and asynchronous answering machine detection). Twilio adds parameters without notice, so
views must not depend on the exact set; ``**extra`` adds or overrides any.
"""

from __future__ import annotations

import email.utils
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from tests.fake_twilio.server import API_VERSION, DEFAULT_ACCOUNT_SID

FORM = "application/x-www-form-urlencoded"

# Where Twilio finds nothing (a number it cannot place), it sends the geographic fields empty.
_NO_GEO = {"City": "", "State": "", "Zip": "", "Country": "US"}


def sign(url: str, params: dict[str, str], auth_token: str) -> str:
    """The ``X-Twilio-Signature`` Twilio would send for a POST of ``params`` to ``url``."""
    return RequestValidator(auth_token).compute_signature(url, params)


def signature_headers(url: str, params: dict[str, str], auth_token: str) -> dict[str, str]:
    """``headers=`` for Django's test client."""
    return {"X-Twilio-Signature": sign(url, params, auth_token)}


def form_body(params: dict[str, str]) -> str:
    """The request body Twilio would send (``content_type=FORM``)."""
    return urlencode(params)


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: a two-letter prefix (SM, CA, MG, AC...) and 32 hex digits."""
    return prefix + uuid.uuid4().hex


def _geo(prefix: str, geo: dict[str, str] | None) -> dict[str, str]:
    values = {**_NO_GEO, **(geo or {})}
    return {f"{prefix}{key}": value for key, value in values.items()}


def _clean(params: dict[str, object]) -> dict[str, str]:
    """Drop absent parameters (Twilio omits them) and make every value a string."""
    return {key: str(value) for key, value in params.items() if value is not None}


def inbound_sms_payload(
    *,
    from_: str,
    to: str,
    body: str,
    account_sid: str = DEFAULT_ACCOUNT_SID,
    messaging_service_sid: str | None = None,
    message_sid: str | None = None,
    num_media: int = 0,
    num_segments: int = 1,
    opt_out_type: str | None = None,
    from_geo: dict[str, str] | None = None,
    to_geo: dict[str, str] | None = None,
    **extra: str,
) -> dict[str, str]:
    """An incoming text, as POSTed to the number's (or Messaging Service's) webhook.

    ``opt_out_type`` is what Twilio's Advanced Opt-Out adds for keywords: "STOP", "START"
    or "HELP". ``from_geo``/``to_geo``: {"City", "State", "Zip", "Country"}.
    """
    sid = message_sid or new_sid("SM")
    params: dict[str, object] = {
        "ToCountry": None,
        "ToState": None,
        "SmsMessageSid": sid,
        "NumMedia": num_media,
        "ToCity": None,
        "FromZip": None,
        "SmsSid": sid,
        "FromState": None,
        "SmsStatus": "received",
        "FromCity": None,
        "Body": body,
        "FromCountry": None,
        "To": to,
        "MessagingServiceSid": messaging_service_sid,
        "ToZip": None,
        "NumSegments": num_segments,
        "ReferralNumMedia": 0,
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "ApiVersion": API_VERSION,
        "OptOutType": opt_out_type,
    }
    params.update(_geo("From", from_geo))
    params.update(_geo("To", to_geo))
    for index in range(num_media):
        params[f"MediaContentType{index}"] = "image/jpeg"
        params[f"MediaUrl{index}"] = (
            f"https://api.twilio.com/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"
            f"/Media/{new_sid('ME')}"
        )
    params.update(extra)
    return _clean(params)


def message_status_payload(
    *,
    message_sid: str,
    status: str,
    to: str,
    from_: str | None = None,
    account_sid: str = DEFAULT_ACCOUNT_SID,
    messaging_service_sid: str | None = None,
    error_code: int | str | None = None,
    raw_dlr_done_date: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """A status callback for an outgoing message (``StatusCallback`` URL).

    ``status``: accepted, scheduled, queued, sending, sent, delivered, undelivered, failed,
    read, canceled. ``ErrorCode`` is present for undelivered/failed (e.g. 30003, 30006,
    30007, 21610). ``RawDlrDoneDate`` (YYMMDDhhmm) comes with carrier receipts.
    """
    params: dict[str, object] = {
        "ErrorCode": error_code,
        "SmsSid": message_sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": to,
        "MessagingServiceSid": messaging_service_sid,
        "MessageSid": message_sid,
        "AccountSid": account_sid,
        "From": from_,
        "ApiVersion": API_VERSION,
        "RawDlrDoneDate": raw_dlr_done_date,
    }
    params.update(extra)
    return _clean(params)


def voice_status_payload(
    *,
    call_sid: str,
    status: str,
    to: str,
    from_: str,
    account_sid: str = DEFAULT_ACCOUNT_SID,
    direction: str = "outbound-api",
    duration: int | None = None,
    answered_by: str | None = None,
    machine_detection_duration: int | None = None,
    parent_call_sid: str | None = None,
    sequence_number: int = 0,
    timestamp: datetime | None = None,
    sip_response_code: int | None = None,
    from_geo: dict[str, str] | None = None,
    to_geo: dict[str, str] | None = None,
    **extra: str,
) -> dict[str, str]:
    """A call status callback (``StatusCallback`` URL of a Call).

    ``status``: queued, initiated, ringing, in-progress, completed, busy, no-answer,
    canceled, failed. ``duration`` (seconds) gives ``CallDuration`` (and ``Duration`` in
    rounded-up minutes) on completed calls. With synchronous ``MachineDetection`` the
    callback carries ``AnsweredBy`` (human, machine_start, machine_end_beep,
    machine_end_silence, machine_end_other, fax, unknown) and ``MachineDetectionDuration``
    (milliseconds).
    """
    moment = timestamp or datetime.now(UTC)
    params: dict[str, object] = {
        "Called": to,
        "Direction": direction,
        "Timestamp": email.utils.format_datetime(moment),
        "CallbackSource": "call-progress-events",
        "SequenceNumber": sequence_number,
        "To": to,
        "CallSid": call_sid,
        "ApiVersion": API_VERSION,
        "CallStatus": status,
        "From": from_,
        "Caller": from_,
        "AccountSid": account_sid,
        "ParentCallSid": parent_call_sid,
        "CallDuration": duration,
        "Duration": None if duration is None else -(-duration // 60),
        "SipResponseCode": sip_response_code,
        "AnsweredBy": answered_by,
        "MachineDetectionDuration": machine_detection_duration,
    }
    from_fields = _geo("From", from_geo)
    to_fields = _geo("To", to_geo)
    params.update(from_fields)
    params.update(to_fields)
    # Twilio repeats the geography under the Caller/Called names.
    params.update({"Caller" + k[4:]: v for k, v in from_fields.items()})
    params.update({"Called" + k[2:]: v for k, v in to_fields.items()})
    params.update(extra)
    return _clean(params)


def amd_status_payload(
    *,
    call_sid: str,
    answered_by: str,
    machine_detection_duration: int = 2500,
    account_sid: str = DEFAULT_ACCOUNT_SID,
    **extra: str,
) -> dict[str, str]:
    """The asynchronous AMD result (``AsyncAmdStatusCallback`` URL): only these four."""
    params: dict[str, object] = {
        "AccountSid": account_sid,
        "CallSid": call_sid,
        "AnsweredBy": answered_by,
        "MachineDetectionDuration": machine_detection_duration,
    }
    params.update(extra)
    return _clean(params)
