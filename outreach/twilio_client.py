"""The one Twilio REST client of this process, and how its failures are read.

The client is built on first use, never at import: importing this module (Django startup,
``manage.py`` commands, the sandbox) must work without Twilio credentials, and tests point
the SDK at the fake Twilio server by changing settings and calling
``twilio_client.cache_clear()``.

``TWILIO_API_BASE_URL`` sends the real SDK to another server (the fake in tests, a
recording proxy in development). Everything else (request building, auth, paging, error
parsing) stays the SDK's own, so tests exercise the code that runs in production.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

__all__ = [
    "ERROR_ACTIONS",
    "TRANSPORT_ERRORS",
    "BaseUrlHttpClient",
    "SendError",
    "send_error_from",
    "twilio_client",
]

# The SDK addresses api.twilio.com for Messages and Calls; other products live on other
# subdomains (and TWILIO_EDGE/TWILIO_REGION add labels). All of them are redirected, so a
# test can never reach the real Twilio by accident.
_TWILIO_ORIGIN = re.compile(r"^https://(?:[a-z0-9-]+\.)*twilio\.com(?=/|$)", re.IGNORECASE)
_REAL_TWILIO = {"", "https://api.twilio.com"}


class BaseUrlHttpClient(TwilioHttpClient):
    """The SDK's own HTTP client, sending requests to ``base_url`` instead of Twilio.

    ``https://api.twilio.com/2010-04-01/...`` (or any ``https://*.twilio.com``) becomes
    ``{base_url}/2010-04-01/...``. An empty ``base_url`` (or Twilio's own) leaves URLs alone.

    It keeps one ``requests.Session`` (``pool_connections=True``), so consecutive calls
    reuse a kept-alive connection: opening a TLS connection per text would cost more than
    the request itself. The pool is as large as the SDK's (threads of one worker share it),
    for plain ``http://`` base URLs too.
    """

    def __init__(self, base_url: str = "", timeout: float | None = None):
        super().__init__(pool_connections=True, timeout=timeout)
        base_url = (base_url or "").rstrip("/")
        self.base_url = "" if base_url in _REAL_TWILIO else base_url
        pool = min(32, (os.cpu_count() or 1) + 4)
        self.session.mount("http://", HTTPAdapter(pool_maxsize=pool))

    def rewrite(self, url: str) -> str:
        """The URL actually requested for the SDK's ``url``."""
        if not self.base_url:
            return url
        return _TWILIO_ORIGIN.sub(lambda _: self.base_url, url, count=1)

    def request(self, method: str, url: str, *args, **kwargs) -> Response:
        return super().request(method, self.rewrite(url), *args, **kwargs)

    # The SDK logs every request and answer at INFO, ten lines each, query parameters
    # included: a list call's ``To`` is a patient's phone number, and our logs carry ids
    # and counts only. (It is also a measurable cost per text.)
    def log_request(self, kwargs) -> None:
        pass

    def log_response(self, status_code, response) -> None:
        pass


@functools.cache
def twilio_client() -> Client:
    """The process-wide Twilio client, built from settings on first call.

    Settings: ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN`` (required),
    ``TWILIO_API_BASE_URL`` (empty or ``https://api.twilio.com`` = the real Twilio) and
    ``TWILIO_TIMEOUT`` (seconds per connect/read, default 10: a hung request must not hold a
    send task's claim forever). ``twilio_client.cache_clear()`` forgets it (tests do, after
    changing settings).

    Raises ``ImproperlyConfigured`` without credentials: the sandbox backend is the one to
    use then, and sending through Twilio must fail loudly rather than send unauthenticated.
    """
    sid = getattr(settings, "TWILIO_ACCOUNT_SID", "")
    token = getattr(settings, "TWILIO_AUTH_TOKEN", "")
    if not sid or not token:
        raise ImproperlyConfigured(
            "Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN "
            "(without them messages go to the sandbox backend)."
        )
    timeout = float(getattr(settings, "TWILIO_TIMEOUT", 10.0) or 10.0)
    http_client = BaseUrlHttpClient(
        base_url=getattr(settings, "TWILIO_API_BASE_URL", ""), timeout=timeout
    )
    # environment={}: the SDK otherwise falls back to os.environ (credentials, TWILIO_EDGE,
    # TWILIO_REGION); settings are the one source of configuration.
    return Client(sid, token, http_client=http_client, environment={})


# --- Errors ---------------------------------------------------------------------------

# What the app must do, per Twilio error code, beyond failing this one send. The same codes
# arrive as API errors (when creating a message) and as ErrorCode in status callbacks.
ERROR_ACTIONS: dict[int, str] = {
    # The recipient replied STOP to this sender: a legal opt-out, record it for SMS.
    21610: "sms_opt_out",
    # Not a valid number / not a mobile / landline or unknown destination: no text will ever
    # arrive, so switch this patient to another channel.
    21211: "not_textable",
    21614: "not_textable",
    30006: "not_textable",
    # Handset unreachable (off, out of coverage): try again on a later day, not in a loop.
    30003: "retry_later_day",
    # Carrier filtered the message as spam: resending the same words makes it worse, and a
    # human must look at the template.
    30007: "alert_no_resend",
}

# Plain-English descriptions, used instead of Twilio's messages (which quote the number).
_DESCRIPTIONS: dict[int, str] = {
    20003: "Twilio rejected our credentials (check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN).",
    20429: "Twilio is rate limiting our requests.",
    21211: "The number is not a valid phone number.",
    21217: "The number is not a valid phone number to call.",
    21214: "Twilio cannot reach this number by phone.",
    21215: "Our account may not call this destination (geographic permissions).",
    21216: "Our account may not call this number (blocked).",
    21408: "Our account may not text this destination (geographic permissions).",
    21606: "The sending number cannot send texts from this account.",
    21610: "The recipient has unsubscribed (replied STOP) from this sender.",
    21611: "The sender's outgoing message queue is full.",
    21612: "Twilio cannot route a text to this number.",
    21614: "The number cannot receive texts (not a mobile number).",
    30003: "The recipient's phone is unreachable.",
    30005: "The number is unknown or no longer exists.",
    30006: "The number is a landline or cannot receive texts.",
    30007: "The carrier filtered the message (suspected spam).",
    30008: "The message failed for an unknown carrier reason.",
}

# Twilio error codes (5 digits) differ from HTTP statuses; the SDK puts the status in
# ``code`` when the error body has none.
_MIN_TWILIO_CODE = 10000

# Codes whose retry is expected to work (rate limiting, queue full).
_TRANSIENT_CODES = {20429, 21611}


@dataclass(eq=False)
class SendError(Exception):
    """A failed Twilio request, classified for the dispatcher.

    - ``permanent``: retrying the same request will not help (invalid or unsubscribed
      number, validation error); otherwise retry with backoff (429, 5xx, timeouts, broken
      connections).
    - ``maybe_sent``: Twilio may have accepted the message although we saw a failure
      (5xx answer, read timeout, connection lost mid-request). Never resend blindly then:
      reconcile first (list what was sent to the number since the claim).
    - ``code``: Twilio's error code (``None`` for network failures or code-less answers);
      ``action`` is what ``ERROR_ACTIONS`` says the app must do about it.
    - ``message``: plain English, without patient data (Twilio's own messages quote the
      phone number, so they are not kept).
    """

    message: str
    code: int | None = None
    permanent: bool = False
    status: int | None = None
    maybe_sent: bool = False

    def __post_init__(self):
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        return " / ".join(parts)

    @property
    def action(self) -> str:
        return ERROR_ACTIONS.get(self.code, "") if self.code is not None else ""


def _from_api_error(status: int, code: int | None) -> SendError:
    code = code if isinstance(code, int) and code >= _MIN_TWILIO_CODE else None
    if status == 429 or code in _TRANSIENT_CODES:
        return SendError(
            _DESCRIPTIONS.get(code or 20429, _DESCRIPTIONS[20429]),
            code=code,
            permanent=False,
            status=status,
        )
    if status >= 500:
        return SendError(
            f"Twilio answered with a server error (HTTP {status}); it may have accepted "
            "the request.",
            code=code,
            permanent=False,
            status=status,
            maybe_sent=True,
        )
    if status in (401, 403) and code in (None, 20003):
        # Not the recipient's fault and not fixed by changing the request: retrying later
        # (after the credentials are fixed) must stay possible.
        return SendError(_DESCRIPTIONS[20003], code=code, permanent=False, status=status)
    message = _DESCRIPTIONS.get(code) if code else None
    return SendError(
        message or f"Twilio refused the request (HTTP {status}).",
        code=code,
        permanent=True,
        status=status,
    )


def _connection_never_opened(exc: requests.ConnectionError) -> bool:
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError)


# What an SDK call raises when Twilio (or the way to it) fails:
# ``except TRANSPORT_ERRORS as exc: raise send_error_from(exc) from exc``.
TRANSPORT_ERRORS = (TwilioRestException, TwilioServiceException, requests.RequestException)


def send_error_from(exc: BaseException) -> SendError:
    """Classify an exception raised by an SDK call as a ``SendError``.

    Handles ``TwilioRestException`` (and the SDK's RFC 9457 ``TwilioServiceException``)
    and the ``requests`` network errors (``TRANSPORT_ERRORS``); anything else is re-raised
    as it is, since it is a bug, not a Twilio failure.
    """
    if isinstance(exc, SendError):
        return exc
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        return _from_api_error(int(exc.status), exc.code)
    if isinstance(exc, requests.ConnectTimeout):
        return SendError("Could not connect to Twilio in time; nothing was sent.", permanent=False)
    if isinstance(exc, requests.Timeout):
        return SendError(
            "Twilio did not answer in time; it may have accepted the request.",
            permanent=False,
            maybe_sent=True,
        )
    if isinstance(exc, requests.ConnectionError):
        if _connection_never_opened(exc):
            return SendError("Could not connect to Twilio; nothing was sent.", permanent=False)
        return SendError(
            "The connection to Twilio broke; it may have accepted the request.",
            permanent=False,
            maybe_sent=True,
        )
    if isinstance(exc, requests.RequestException):
        # E.g. a response cut short: the request itself reached Twilio.
        return SendError(
            "The exchange with Twilio failed; it may have accepted the request.",
            permanent=False,
            maybe_sent=True,
        )
    raise exc
