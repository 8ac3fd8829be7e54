"""What a phone number is, asked of a provider (issue 17.7): its line type before the first
text, and whether it was reassigned since the patient's consent.

Two pluggable interfaces, chosen by settings like the messaging backend:

- ``NumberCheck.check(e164) -> LineInfo``: ``NUMBER_CHECK_BACKEND`` is "twilio" (Lookup v2
  ``line_type_intelligence``), "sandbox" (the default without Twilio credentials), or the
  dotted path of a ``NumberCheck`` subclass;
- ``ReassignedCheck.reassigned(e164, consent_date) -> Reassigned``: ``REASSIGNED_CHECK_BACKEND``
  is "sandbox" (always "unknown") or a dotted path. No provider is built in: the FCC's
  Reassigned Numbers Database is queried through an administrator's account, and a
  practice that has one plugs its client in here.

A check that cannot answer now (timeout, 5xx, rate limit, bad credentials) raises
``NumberCheckUnavailable``: the caller holds the text and asks again later, never sends it
unchecked. Nothing here logs or raises the number itself.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import StrEnum

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client

from outreach.twilio_client import BaseUrlHttpClient

__all__ = [
    "NOT_TEXTABLE",
    "LineInfo",
    "NumberCheck",
    "NumberCheckUnavailable",
    "Reassigned",
    "ReassignedCheck",
    "SandboxNumberCheck",
    "SandboxReassignedCheck",
    "TwilioLookupCheck",
    "number_check",
    "reassigned_check",
]

# Line types a text never reaches. Only the landline: Lookup's other types either take
# texts (mobile, VoIP) or are rare enough on a patient list that the carrier's own answer
# (30006, which marks the contact too) is the better judge than a guess here.
NOT_TEXTABLE = frozenset({"landline"})


class NumberCheckUnavailable(Exception):
    """The check could not answer now; ask again later (the message says why, no number)."""


@dataclass(frozen=True)
class LineInfo:
    """What a check said of a number. ``type`` is Lookup v2's ("mobile", "landline",
    "fixedVoip", "nonFixedVoip", "tollFree", ...; "" when the provider could not tell);
    ``error_code`` is the provider's own for that case (e.g. Twilio's 60600)."""

    type: str
    valid: bool
    checked_at: dt.datetime
    error: str = ""
    error_code: int | None = None

    @property
    def textable(self) -> bool:
        return self.valid and self.type not in NOT_TEXTABLE

    def words(self) -> str:
        """Why a text cannot reach the number, for the contact and the touch."""
        if not self.valid:
            return "not a valid phone number" + (f" ({self.error})" if self.error else "")
        return f"a {self.type} line" if self.type != "landline" else "a landline"


class NumberCheck:
    name = "number-check"
    # Whether answers are kept (``NumberLine``): a paid, networked check's are; the
    # sandbox's cost nothing and are the same every time, so nothing is written for them.
    cacheable = True

    def check(self, e164: str) -> LineInfo:
        """The number's line type now; raises ``NumberCheckUnavailable``."""
        raise NotImplementedError


class SandboxNumberCheck(NumberCheck):
    """No network. Every number is a mobile except these, in Twilio's range of test
    numbers (+1 500 555, next to its own magic numbers; no real patient has one), so a test
    or a demo can show each outcome: ``+15005550010`` a landline, ``+15005550011`` not a
    valid number, ``+15005550012`` a non-fixed VoIP line (textable), ``+15005550013`` a
    check that cannot answer.
    """

    name = "sandbox"
    cacheable = False
    LANDLINE, INVALID, VOIP, UNAVAILABLE = (
        "+15005550010",
        "+15005550011",
        "+15005550012",
        "+15005550013",
    )

    def check(self, e164: str) -> LineInfo:
        now = timezone.now()
        if e164 == self.UNAVAILABLE:
            raise NumberCheckUnavailable("the sandbox's number check is set not to answer")
        if e164 == self.INVALID:
            return LineInfo("", valid=False, checked_at=now, error="sandbox: invalid")
        line_type = {self.LANDLINE: "landline", self.VOIP: "nonFixedVoip"}.get(e164, "mobile")
        return LineInfo(line_type, valid=True, checked_at=now)


@functools.lru_cache(maxsize=4)
def _lookup_client(sid: str, token: str, base_url: str, timeout: float) -> Client:
    # A client of its own: a look-up sits in the send path, so it gets a shorter timeout
    # than a send (NUMBER_CHECK_TIMEOUT), and the same host rewriting as every request.
    http_client = BaseUrlHttpClient(base_url=base_url, timeout=timeout)
    return Client(sid, token, http_client=http_client, environment={})


def lookup_client() -> Client:
    sid = getattr(settings, "TWILIO_ACCOUNT_SID", "")
    token = getattr(settings, "TWILIO_AUTH_TOKEN", "")
    if not sid or not token:
        raise NumberCheckUnavailable("Twilio is not configured (no account SID or auth token)")
    return _lookup_client(
        sid,
        token,
        getattr(settings, "TWILIO_API_BASE_URL", ""),
        float(getattr(settings, "NUMBER_CHECK_TIMEOUT", 5.0) or 5.0),
    )


class TwilioLookupCheck(NumberCheck):
    """Twilio Lookup v2 with the ``line_type_intelligence`` package."""

    name = "twilio-lookup"

    def check(self, e164: str) -> LineInfo:
        try:
            record = (
                lookup_client()
                .lookups.v2.phone_numbers(e164)
                .fetch(fields="line_type_intelligence")
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            status = int(exc.status)
            if status in (400, 404):
                # The number itself is refused (Lookup v2 answers 200 with valid=false for
                # most bad numbers; a malformed one can still get a 4xx).
                return LineInfo(
                    "", valid=False, checked_at=timezone.now(), error=f"Twilio {exc.code}"
                )
            raise NumberCheckUnavailable(f"Twilio Lookup answered HTTP {status}") from exc
        except requests.Timeout as exc:
            raise NumberCheckUnavailable("Twilio Lookup did not answer in time") from exc
        except requests.RequestException as exc:
            raise NumberCheckUnavailable("Twilio Lookup could not be reached") from exc
        now = timezone.now()
        if not record.valid:
            errors = ", ".join(record.validation_errors or []) or "invalid"
            return LineInfo("", valid=False, checked_at=now, error=errors.lower())
        intelligence = record.line_type_intelligence or {}
        code = intelligence.get("error_code")
        return LineInfo(
            intelligence.get("type") or "",
            valid=True,
            checked_at=now,
            error_code=int(code) if isinstance(code, int | str) and str(code).isdigit() else None,
        )


class Reassigned(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class ReassignedCheck:
    """Was ``e164`` permanently disconnected (so possibly given to someone else) since
    ``consent_date``, the day the patient gave it with their consent? "unknown" when the
    provider has no answer; raises ``NumberCheckUnavailable`` when it cannot be asked."""

    name = "reassigned-check"

    def reassigned(self, e164: str, consent_date: dt.date) -> Reassigned:
        raise NotImplementedError


class SandboxReassignedCheck(ReassignedCheck):
    name = "sandbox"

    def reassigned(self, e164: str, consent_date: dt.date) -> Reassigned:
        return Reassigned.UNKNOWN


def _backend(setting: str, builtin: dict[str, type], default: str):
    choice = getattr(settings, setting, "") or default
    cls = builtin.get(choice)
    if cls is None:
        cls = import_string(choice)  # a dotted path: the deployment's own provider
    return cls()


def number_check() -> NumberCheck:
    """The configured line-type check (``NUMBER_CHECK_BACKEND``)."""
    default = "twilio" if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN else "sandbox"
    return _backend(
        "NUMBER_CHECK_BACKEND",
        {"twilio": TwilioLookupCheck, "sandbox": SandboxNumberCheck},
        default,
    )


def reassigned_check() -> ReassignedCheck:
    """The configured Reassigned Numbers Database check (``REASSIGNED_CHECK_BACKEND``)."""
    return _backend("REASSIGNED_CHECK_BACKEND", {"sandbox": SandboxReassignedCheck}, "sandbox")
