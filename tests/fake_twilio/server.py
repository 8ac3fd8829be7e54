"""A fake Twilio REST API (2010-04-01 Messages and Calls) on 127.0.0.1, for tests and benchmarks.

The real ``twilio`` SDK talks to it (setting ``TWILIO_API_BASE_URL``); it answers like Twilio:
the resource JSON, list paging, Basic auth, Twilio's JSON error bodies (so the SDK raises
``TwilioRestException`` with the code) and Twilio's documented magic test numbers.

In a test::

    fake = FakeTwilio().start()
    fake.fail_next(429)                   # the next API request answers 429 (code 20429)
    fake.fail_after_accept(500)           # the next create is recorded, but answers 500
    fake.slow(2.0)                        # answer after 2 s (the message is recorded first)
    fake.messages_to("+15551230000")      # ground truth: what Twilio accepted
    fake.line_type("+15551230000", "landline")  # what Lookup v2 says of it (else mobile)
    fake.lookups                          # the Lookup v2 requests answered

As a process of its own (benchmarks, a worker process)::

    python -m tests.fake_twilio.server --port 8765

and drive it over HTTP under ``/_fake/`` (``RemoteFakeTwilio`` does that from Python):
``POST /_fake/reset``, ``POST /_fake/fail_next`` (``status``, ``count``, ``code``,
``method``), ``POST /_fake/fail_after_accept`` (``status``, ``count``), ``POST /_fake/slow``
(``seconds``, ``count``), ``POST /_fake/line_type`` (``number``, ``type``),
``GET /_fake/log[?to=...]`` and ``GET /_fake/stats``; bodies are JSON or form-encoded.

Lookup v2 (``GET /v2/PhoneNumbers/{n}?Fields=line_type_intelligence``) is ``lookups.py``'s.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import copy
import email.utils
import hmac
import json
import math
import signal
import socket
import sys
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import Request, urlopen

from tests.fake_twilio.lookups import LINE_TYPES, lookup_answer, lookup_path
from tests.http_fake import ThreadedFake

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "0123456789abcdef0123456789abcdef"  # a test secret, not a real one
MAX_PAGE_SIZE = 1000
MAX_VALIDITY_PERIOD = 36000  # seconds: Twilio's maximum and default (error 90007 beyond)
DEFAULT_PAGE_SIZE = 50

# Twilio's magic "To" numbers (docs: IAM > Test credentials). Status 400 for each.
MESSAGE_MAGIC_TO: dict[str, tuple[int, str]] = {
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number: {to}, is not currently reachable using "
                            "the 'From' phone number via SMS."),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for the region "
                            "indicated by the 'To' number: {to}."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}  # fmt: skip
MESSAGE_MAGIC_FROM: dict[str, tuple[int, str]] = {
    "+15005550001": (21212, "The 'From' number {from_} is not a valid phone number."),
    "+15005550007": (21606, "The 'From' phone number provided is not a valid, SMS-capable "
                            "inbound phone number or short code for your account."),
    "+15005550008": (21611, "This 'From' number has exceeded the maximum number of queued "
                            "messages"),
}  # fmt: skip
CALL_MAGIC_TO: dict[str, tuple[int, str]] = {
    "+15005550001": (21217, "Phone number does not appear to be valid"),
    "+15005550002": (21214, "'To' phone number cannot be reached"),
    "+15005550003": (21215, "Geographic permission is not enabled for the 'To' number"),
    "+15005550004": (21216, "Account not allowed to call {to}"),
}
CALL_MAGIC_FROM: dict[str, tuple[int, str]] = {
    "+15005550001": (21212, "Invalid Caller Phone Number"),
}

# The code Twilio puts in bodies of plain HTTP failures.
STATUS_CODES = {
    400: 20001,
    401: 20003,
    403: 20003,
    404: 20404,
    405: 20004,
    429: 20429,
    500: 20500,
    502: 20500,
    503: 20503,
}
STATUS_MESSAGES = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def rfc2822(moment: datetime | None) -> str | None:
    return email.utils.format_datetime(moment) if moment else None


def _new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def _parse_moment(value: str) -> datetime | date:
    """``2024-05-01`` (a day) or ``2024-05-01T12:00:00Z`` (what the SDK sends)."""
    value = value.strip()
    if len(value) == 10:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _compare(moment: datetime | None, bound: datetime | date, op: str) -> bool:
    if moment is None:
        return False
    left: datetime | date = moment
    if not isinstance(bound, datetime):
        left = moment.date()
    if op == ">":  # Twilio's ``DateSent>=x`` arrives as the parameter ``DateSent>``.
        return left >= bound
    if op == "<":
        return left <= bound
    return left == bound


def _segments(body: str) -> int:
    """Segments as a carrier counts them: 160/153 GSM-7 characters, 70/67 otherwise."""
    if not body:
        return 1
    if all(ord(c) < 128 for c in body):
        single, multi = 160, 153
    else:
        single, multi = 70, 67
    return 1 if len(body) <= single else math.ceil(len(body) / multi)


def _formatted(number: str) -> str:
    digits = number.removeprefix("+1")
    if number.startswith("+1") and len(digits) == 10 and digits.isdigit():
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return number


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def body(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
            **self.extra,
        }


class _Switch:
    """A failure or delay applied to the next ``count`` matching requests (None: all)."""

    def __init__(self, count: int | None, method: str | None = None, **values):
        self.count, self.method, self.values = count, method, values

    def take(self, method: str) -> dict | None:
        if self.method and self.method != method:
            return None
        if self.count is not None:
            if self.count <= 0:
                return None
            self.count -= 1
        return self.values


class FakeTwilio(ThreadedFake):
    """The fake Twilio server. Thread-safe; ``start()`` runs it in a daemon thread."""

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        super().__init__(host, port)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._created = threading.Condition(self._lock)  # notified on every accepted create
        self._reset_state()

    # --- lifecycle --------------------------------------------------------------------

    thread_name = "fake-twilio"

    def _handler(self):
        return _handler_for(self)

    @property
    def base_url(self) -> str:
        return self.origin

    # --- switches ---------------------------------------------------------------------

    def _reset_state(self) -> None:
        self._messages: list[dict] = []
        self._calls: list[dict] = []
        self._by_sid: dict[str, dict] = {}
        self._fail_next: list[_Switch] = []
        self._fail_after_accept: list[_Switch] = []
        self._slow: list[_Switch] = []
        self._connections = 0
        self._requests = 0
        self._line_types: dict[str, str] = {}
        self._lookups: list[dict] = []

    def wait_for_log(self, count: int, timeout: float = 60.0) -> bool:
        """Block until at least ``count`` messages and calls were accepted (a test's way
        to wait for work without sleeping); false if ``timeout`` passed first."""
        with self._created:
            return self._created.wait_for(lambda: len(self._by_sid) >= count, timeout)

    def reset(self) -> None:
        """Forget the log, the switches and the counters (open connections stay open)."""
        with self._lock:
            self._reset_state()

    def fail_next(
        self, status: int, count: int = 1, code: int | None = None, method: str | None = None
    ) -> None:
        """Answer the next ``count`` API requests (``method`` only, if given: "POST" for
        creates) with ``status`` and Twilio's error body, without recording anything.
        ``code`` defaults to Twilio's code for the status (429 -> 20429, 500 -> 20500)."""
        with self._lock:
            self._fail_next.append(
                _Switch(count, method and method.upper(), status=status, code=code)
            )

    def fail_after_accept(self, status: int = 500, count: int = 1) -> None:
        """Record the next ``count`` creates (Twilio accepted them: they are in the log and
        in list/fetch answers) but answer ``status``: the client believes it failed."""
        with self._lock:
            self._fail_after_accept.append(_Switch(count, "POST", status=status))

    def slow(self, seconds: float, count: int | None = None) -> None:
        """Wait ``seconds`` before answering the next ``count`` API requests (all, if None;
        ``slow(0)`` ends it). The request is processed (a create recorded) before the wait,
        as when Twilio accepts a message and the answer is lost to a client timeout."""
        with self._lock:
            self._slow = [] if seconds <= 0 else [_Switch(count, None, seconds=seconds)]

    def line_type(self, number: str, line_type: str) -> None:
        """What Lookup v2 answers for ``number`` from now on: one of Twilio's types
        ("landline", "fixedVoip", ...), or "error:60600" (type null, that error code)."""
        if line_type not in LINE_TYPES and not line_type.startswith("error:"):
            raise ValueError(f"Not a Lookup v2 line type: {line_type}")
        with self._lock:
            self._line_types[number] = line_type

    # --- ground truth -----------------------------------------------------------------

    @property
    def lookups(self) -> list[dict]:
        """Every Lookup v2 request answered, oldest first: ``number`` and ``fields``."""
        with self._lock:
            return copy.deepcopy(self._lookups)

    @property
    def log(self) -> list[dict]:
        """Every accepted message and call, oldest first (copies)."""
        with self._lock:
            entries = self._messages + self._calls
            entries = sorted(entries, key=lambda e: e["seq"])
            return copy.deepcopy(entries)

    @property
    def messages(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._messages)

    @property
    def calls(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._calls)

    def messages_to(self, number: str) -> list[dict]:
        return [m for m in self.messages if m["to"] == number]

    def calls_to(self, number: str) -> list[dict]:
        return [c for c in self.calls if c["to"] == number]

    @property
    def connections(self) -> int:
        """TCP connections accepted since the last reset (keep-alive: one per client)."""
        with self._lock:
            return self._connections

    @property
    def requests(self) -> int:
        """API requests answered since the last reset (``/_fake/`` excluded)."""
        with self._lock:
            return self._requests

    def stats(self) -> dict:
        with self._lock:
            return {
                "connections": self._connections,
                "requests": self._requests,
                "messages": len(self._messages),
                "calls": len(self._calls),
            }

    # --- request handling (called by the handler threads) -----------------------------

    def _connected(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections += 1
            self._sockets.add(sock)

    def _disconnected(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user, self.account_sid) and hmac.compare_digest(
            password, self.auth_token
        )

    def _take(self, switches: list[_Switch], method: str) -> dict | None:
        for switch in switches:
            values = switch.take(method)
            if values is not None:
                return values
        return None

    def handle_api(
        self, method: str, path: str, query: dict, form: dict, auth: str | None
    ) -> tuple[int, dict, float]:
        """(status, JSON body, seconds to wait before answering) for one API request."""
        with self._lock:
            self._requests += 1
            slow = self._take(self._slow, method)
            failure = self._take(self._fail_next, method)
        delay = slow["seconds"] if slow else 0.0
        try:
            if not self._authorized(auth):
                raise ApiError(
                    401,
                    20003,
                    "Authenticate",
                    detail="Your AccountSid or AuthToken was incorrect.",
                )
            if failure:
                status = failure["status"]
                code = failure["code"] or STATUS_CODES.get(status, status)
                raise ApiError(status, code, STATUS_MESSAGES.get(status, "Simulated failure"))
            status, body = self._route(method, path, query, form)
        except ApiError as error:
            return error.status, error.body(), delay
        return status, body, delay

    def _route(self, method: str, path: str, query: dict, form: dict) -> tuple[int, dict]:
        number = lookup_path(path)
        if number is not None and method == "GET":
            fields = query.get("Fields", [""])[-1]
            with self._lock:
                self._lookups.append({"number": number, "fields": fields})
                line_type = self._line_types.get(number)
            return 200, lookup_answer(number, fields, line_type)
        parts = path.strip("/").split("/")
        if len(parts) < 4 or parts[0] != API_VERSION or parts[1] != "Accounts":
            raise ApiError(404, 20404, f"The requested resource {path} was not found")
        if parts[2] != self.account_sid:
            raise ApiError(404, 20404, f"The requested resource {path} was not found")
        collection = parts[3]
        if len(parts) == 4 and collection in ("Messages.json", "Calls.json"):
            kind = collection.removesuffix(".json")
            if method == "POST":
                return 201, self._create(kind, form)
            if method == "GET":
                return 200, self._list(kind, path, query)
            raise ApiError(405, 20004, "Method not allowed")
        if len(parts) == 5 and collection == "Calls" and method == "POST":
            # Updating a live call (redirect it to new TwiML, or end it).
            sid = parts[4].removesuffix(".json")
            with self._lock:
                record = self._by_sid.get(sid)
                if record is not None and record["kind"] == "call":
                    params = {k: v[0] for k, v in form.items()}
                    record.setdefault("updates", []).append(params)
                    if params.get("Status") in ("completed", "canceled"):
                        record["status"] = params["Status"]
                    return 200, self._resource(record)
        if len(parts) == 5 and collection in ("Messages", "Calls") and method == "GET":
            sid = parts[4].removesuffix(".json")
            with self._lock:
                record = self._by_sid.get(sid)
                if record is not None and record["kind"] == collection[:-1].lower():
                    return 200, self._resource(record)
        raise ApiError(404, 20404, f"The requested resource {path} was not found")

    # --- create -----------------------------------------------------------------------

    def _create(self, kind: str, form: dict) -> dict:
        params = {k: v[0] if len(v) == 1 else v for k, v in form.items()}
        to = params.get("To") or ""
        from_ = params.get("From") or ""
        if kind == "Messages":
            self._validate_message(params, to, from_)
            record = self._message_record(params, to, from_)
        else:
            self._validate_call(params, to, from_)
            record = self._call_record(params, to, from_)
        with self._lock:
            failure = self._take(self._fail_after_accept, "POST")
            record["seq"] = len(self._by_sid)
            (self._messages if kind == "Messages" else self._calls).append(record)
            self._by_sid[record["sid"]] = record
            answer = self._resource(record, fresh=True)
            self._created.notify_all()
        if failure:
            status = failure["status"]
            raise ApiError(
                status,
                STATUS_CODES.get(status, status),
                STATUS_MESSAGES.get(status, "Simulated failure"),
            )
        return answer

    def _validate_message(self, params: dict, to: str, from_: str) -> None:
        if not to:
            raise ApiError(400, 21604, "A 'To' phone number is required.")
        if not from_ and not params.get("MessagingServiceSid"):
            raise ApiError(400, 21603, "A 'From' phone number is required.")
        if not (params.get("Body") or params.get("MediaUrl") or params.get("ContentSid")):
            raise ApiError(400, 21602, "Message body is required.")
        if len(params.get("Body") or "") > 1600:
            raise ApiError(400, 21617, "The concatenated message body exceeds the 1600 "
                                       "character limit.")  # fmt: skip
        if from_ in MESSAGE_MAGIC_FROM:
            code, text = MESSAGE_MAGIC_FROM[from_]
            raise ApiError(400, code, text.format(to=to, from_=from_))
        if to in MESSAGE_MAGIC_TO:
            code, text = MESSAGE_MAGIC_TO[to]
            raise ApiError(400, code, text.format(to=to, from_=from_))
        validity = params.get("ValidityPeriod")
        if validity is not None and not (
            validity.isdigit() and 1 <= int(validity) <= MAX_VALIDITY_PERIOD
        ):
            raise ApiError(400, 90007, "Invalid validity period value")

    def _validate_call(self, params: dict, to: str, from_: str) -> None:
        if not to:
            raise ApiError(400, 21201, "No 'To' number is specified")
        if not from_:
            raise ApiError(400, 21213, "No 'From' number is specified")
        if not (params.get("Url") or params.get("Twiml") or params.get("ApplicationSid")):
            raise ApiError(400, 21205, "Url parameter is required.")
        if from_ in CALL_MAGIC_FROM:
            code, text = CALL_MAGIC_FROM[from_]
            raise ApiError(400, code, text.format(to=to, from_=from_))
        if to in CALL_MAGIC_TO:
            code, text = CALL_MAGIC_TO[to]
            raise ApiError(400, code, text.format(to=to, from_=from_))

    def _message_record(self, params: dict, to: str, from_: str) -> dict:
        now = datetime.now(UTC)
        body = params.get("Body") or ""
        service = params.get("MessagingServiceSid")
        media = params.get("MediaUrl") or []
        return {
            "kind": "message",
            "sid": _new_sid("SM"),
            "to": to,
            "from": from_ or None,
            "body": body,
            "messaging_service_sid": service,
            "status_callback": params.get("StatusCallback"),
            # Seconds Twilio may keep it queued (None: its default, 36000).
            "validity_period": (
                int(params["ValidityPeriod"]) if params.get("ValidityPeriod") else None
            ),
            "num_segments": _segments(body),
            "num_media": len(media) if isinstance(media, list) else 1,
            # The fake "sends" at once: later fetches and lists see it as sent.
            "status": "sent",
            "date_created": now,
            "date_sent": now,
            "params": params,
        }

    def _call_record(self, params: dict, to: str, from_: str) -> dict:
        now = datetime.now(UTC)
        return {
            "kind": "call",
            "sid": _new_sid("CA"),
            "to": to,
            "from": from_,
            "url": params.get("Url"),
            "twiml": params.get("Twiml"),
            "status_callback": params.get("StatusCallback"),
            "machine_detection": params.get("MachineDetection"),
            "async_amd": params.get("AsyncAmd"),
            "async_amd_status_callback": params.get("AsyncAmdStatusCallback"),
            "status": "queued",
            "date_created": now,
            "start_time": now,
            "params": params,
        }

    # --- representations ----------------------------------------------------------------

    def _uri(self, record: dict) -> str:
        collection = "Messages" if record["kind"] == "message" else "Calls"
        return f"/{API_VERSION}/Accounts/{self.account_sid}/{collection}/{record['sid']}"

    def _resource(self, record: dict, fresh: bool = False) -> dict:
        """Twilio's JSON for a record; ``fresh``: as the create answer shows it."""
        base = self._uri(record)
        created = rfc2822(record["date_created"])
        if record["kind"] == "message":
            service = record["messaging_service_sid"]
            if fresh:
                status = "accepted" if service else "queued"
                date_sent = None
            else:
                status, date_sent = record["status"], rfc2822(record["date_sent"])
            return {
                "account_sid": self.account_sid,
                "api_version": API_VERSION,
                "body": record["body"],
                "date_created": created,
                "date_sent": date_sent,
                "date_updated": created,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                # Through a Messaging Service the sender is chosen later.
                "from": record["from"] if not (fresh and service) else None,
                "messaging_service_sid": service,
                "num_media": str(record["num_media"]),
                "num_segments": "0" if fresh and service else str(record["num_segments"]),
                "price": None,
                "price_unit": "USD",
                "sid": record["sid"],
                "status": status,
                "subresource_uris": {
                    "media": f"{base}/Media.json",
                    "feedback": f"{base}/Feedback.json",
                },
                "tags": None,
                "to": record["to"],
                "uri": f"{base}.json",
            }
        return {
            "account_sid": self.account_sid,
            "annotation": None,
            "answered_by": None,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": created,
            "date_updated": created,
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": record["from"],
            "from_formatted": _formatted(record["from"]),
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": record["sid"],
            "start_time": None if fresh else rfc2822(record["start_time"]),
            "status": record["status"],
            "subresource_uris": {
                "notifications": f"{base}/Notifications.json",
                "recordings": f"{base}/Recordings.json",
                "payments": f"{base}/Payments.json",
                "events": f"{base}/Events.json",
                "siprec": f"{base}/Siprec.json",
                "streams": f"{base}/Streams.json",
                "transcriptions": f"{base}/Transcriptions.json",
                "user_defined_message_subscriptions": (
                    f"{base}/UserDefinedMessageSubscriptions.json"
                ),
                "user_defined_messages": f"{base}/UserDefinedMessages.json",
            },
            "to": record["to"],
            "to_formatted": _formatted(record["to"]),
            "trunk_sid": None,
            "uri": f"{base}.json",
        }

    # --- list ---------------------------------------------------------------------------

    def _matches(self, record: dict, query: dict) -> bool:
        moment_field = "date_sent" if record["kind"] == "message" else "start_time"
        moment_param = "DateSent" if record["kind"] == "message" else "StartTime"
        for name, values in query.items():
            value = values[-1]
            if name == "To" and record["to"] != value:
                return False
            if name == "From" and record["from"] != value:
                return False
            if name == "Status" and record["status"] != value:
                return False
            if name.startswith(moment_param):
                op = name[len(moment_param) :] or "="
                try:
                    bound = _parse_moment(value)
                except ValueError:
                    raise ApiError(400, 20001, f"Invalid value for {name}: {value}") from None
                if not _compare(record[moment_field], bound, op):
                    return False
        return True

    def _list(self, kind: str, path: str, query: dict) -> dict:
        try:
            page_size = int(query.get("PageSize", [DEFAULT_PAGE_SIZE])[-1])
            page = int(query.get("Page", ["0"])[-1])
        except ValueError:
            raise ApiError(400, 20001, "Invalid paging parameters") from None
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        token = query.get("PageToken", [""])[-1]
        filters = {k: v for k, v in query.items() if k not in ("PageSize", "Page", "PageToken")}
        with self._lock:
            records = self._messages if kind == "Messages" else self._calls
            # Newest first, as Twilio lists.
            matching = [r for r in reversed(records) if self._matches(r, filters)]
            start = 0
            if token:
                sids = [r["sid"] for r in matching]
                last = token.removeprefix("PA")
                start = sids.index(last) + 1 if last in sids else len(matching)
            chunk = matching[start : start + page_size]
            items = [self._resource(r) for r in chunk]
        filter_pairs = [(k, v[-1]) for k, v in filters.items()]

        def page_uri(number: int, page_token: str | None = None) -> str:
            pairs = [*filter_pairs, ("PageSize", page_size), ("Page", number)]
            if page_token:
                pairs.append(("PageToken", page_token))
            return f"{path}?{urlencode(pairs)}"

        has_next = start + page_size < len(matching)
        return {
            kind.lower(): items,
            "end": start + len(items) - 1 if items else start,
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1, "PA" + chunk[-1]["sid"]) if has_next else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": None if page == 0 else page_uri(page - 1),
            "start": start,
            "uri": page_uri(page, token or None),
        }

    # --- control (the /_fake/ endpoints) --------------------------------------------------

    def handle_control(self, method: str, name: str, query: dict, data: dict) -> dict:
        def number(key, default, kind=int):
            value = data.get(key, default)
            return None if value in (None, "") else kind(value)

        if method == "GET" and name == "log":
            to = query.get("to", [None])[-1]
            entries = self.log if to is None else [e for e in self.log if e["to"] == to]
            return {"log": [_jsonable(e) for e in entries]}
        if method == "GET" and name == "stats":
            return self.stats()
        if method != "POST":
            raise ApiError(405, 20004, "Method not allowed")
        if name == "reset":
            self.reset()
        elif name == "fail_next":
            self.fail_next(
                number("status", 500),
                count=number("count", 1),
                code=number("code", None),
                method=data.get("method") or None,
            )
        elif name == "fail_after_accept":
            self.fail_after_accept(number("status", 500), count=number("count", 1))
        elif name == "slow":
            self.slow(number("seconds", 0, float), count=number("count", None))
        elif name == "line_type":
            self.line_type(str(data.get("number", "")), str(data.get("type", "")))
        else:
            raise ApiError(404, 20404, f"No control endpoint {name}")
        return {"ok": True}


def _jsonable(entry: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in entry.items()}


def _handler_for(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive
        disable_nagle_algorithm = True  # else small answers wait ~40 ms for delayed ACKs
        server_version = "FakeTwilio/1.0"
        sys_version = ""

        def setup(self):
            super().setup()
            fake._connected(self.connection)

        def finish(self):
            fake._disconnected(self.connection)
            with contextlib.suppress(OSError):
                super().finish()

        def log_message(self, format, *args):
            pass

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

        def do_DELETE(self):
            self._dispatch("DELETE")

        def _dispatch(self, method: str) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            delay = 0.0
            if url.path.startswith("/_fake/"):
                try:
                    data = _control_data(raw, self.headers.get("Content-Type", ""))
                    status, body = 200, fake.handle_control(method, url.path[7:], query, data)
                except ApiError as error:
                    status, body = error.status, error.body()
                except (ValueError, TypeError) as error:
                    status, body = 400, {"code": 20001, "message": str(error), "status": 400}
            else:
                form = parse_qs(raw.decode(), keep_blank_values=True) if raw else {}
                status, body, delay = fake.handle_api(
                    method, url.path, query, form, self.headers.get("Authorization")
                )
            if delay and fake._stopping.wait(delay):
                self.close_connection = True
                return
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up (a timeout test)
                self.close_connection = True

    return Handler


def _control_data(raw: bytes, content_type: str) -> dict:
    if not raw:
        return {}
    if "json" in content_type:
        return json.loads(raw)
    return {k: v[-1] for k, v in parse_qs(raw.decode()).items()}


class RemoteFakeTwilio:
    """Drives a ``FakeTwilio`` running in another process through ``/_fake/``."""

    def __init__(self, base_url: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, name: str, data: dict | None = None) -> dict:
        body = json.dumps(data).encode() if data is not None else None
        request = Request(  # noqa: S310 - a loopback URL we were given
            f"{self.base_url}/_fake/{name}",
            data=body,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return json.loads(response.read())

    def reset(self) -> None:
        self._call("POST", "reset", {})

    def fail_next(
        self, status: int, count: int = 1, code: int | None = None, method: str | None = None
    ) -> None:
        self._call(
            "POST", "fail_next", {"status": status, "count": count, "code": code, "method": method}
        )

    def fail_after_accept(self, status: int = 500, count: int = 1) -> None:
        self._call("POST", "fail_after_accept", {"status": status, "count": count})

    def slow(self, seconds: float, count: int | None = None) -> None:
        self._call("POST", "slow", {"seconds": seconds, "count": count})

    def line_type(self, number: str, line_type: str) -> None:
        self._call("POST", "line_type", {"number": number, "type": line_type})

    @property
    def log(self) -> list[dict]:
        return self._call("GET", "log")["log"]

    def messages_to(self, number: str) -> list[dict]:
        entries = self._call("GET", "log?" + urlencode({"to": number}))["log"]
        return [e for e in entries if e["kind"] == "message"]

    def stats(self) -> dict:
        return self._call("GET", "stats")


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    args = parser.parse_args(list(argv) if argv is not None else None)
    fake = FakeTwilio(args.account_sid, args.auth_token, host=args.host, port=args.port)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: done.set())
    signal.signal(signal.SIGINT, lambda signum, frame: done.set())
    fake.start()
    # One line for whoever started us to read (e.g. with --port 0).
    print(f"fake twilio listening on {fake.base_url}", flush=True)
    while not done.wait(1.0):
        pass
    fake.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
