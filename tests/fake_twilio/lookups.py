"""The fake Twilio's Lookup v2 (``GET /v2/PhoneNumbers/{PhoneNumber}``), shaped like Twilio's
answer with ``Fields=line_type_intelligence``
(https://www.twilio.com/docs/lookup/v2-api/line-type-intelligence).

A number's line type is "mobile" unless a test says otherwise (``FakeTwilio.line_type``);
a number that is not E.164 answers ``valid: false`` with Twilio's validation error, as
Lookup v2 does (200, not 404). Each look-up is logged (``FakeTwilio.lookups``), so a test
can count what a cache saved. Timeouts and 5xx come from the server's ``slow`` and
``fail_next`` switches, as for every other request.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

# The types Line Type Intelligence documents.
LINE_TYPES = frozenset(
    {
        "landline", "mobile", "fixedVoip", "nonFixedVoip", "personal", "tollFree",
        "premium", "sharedCost", "uan", "voicemail", "pager", "unknown",
    }
)  # fmt: skip
# Carrier data is not returned for these (Twilio's docs say so).
_NO_CARRIER = frozenset(
    {"personal", "tollFree", "premium", "sharedCost", "uan", "voicemail", "pager", "unknown"}
)
_E164 = re.compile(r"\+([1-9])(\d{6,14})")
_CARRIERS = {
    "mobile": ("310", "260", "T-Mobile USA, Inc."),
    "landline": (None, None, "Verizon New York Inc."),
    "fixedVoip": (None, None, "Bandwidth/13 - Bandwidth.com - SVR"),
    "nonFixedVoip": (None, None, "Google (Grand Central) - SVR"),
}


def lookup_path(path: str) -> str | None:
    """The phone number a ``/v2/PhoneNumbers/{n}`` path asks about; None for other paths."""
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "v2" and parts[1] == "PhoneNumbers":
        return unquote(parts[2])
    return None


def _formatted(number: str) -> str:
    digits = number.removeprefix("+1")
    if number.startswith("+1") and len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return number


def lookup_answer(number: str, fields: str, line_type: str | None) -> dict:
    """Twilio's JSON for one look-up; ``line_type`` None means the default ("mobile").

    ``line_type`` may also be "error:60600" (Twilio could not tell: the package's own
    ``error_code``, type null)."""
    match = _E164.fullmatch(number)
    base = {
        "calling_country_code": None,
        "country_code": None,
        "phone_number": number,
        "national_format": None,
        "valid": False,
        "validation_errors": ["INVALID_BUT_POSSIBLE" if number.startswith("+") else "NOT_A_NUMBER"],
        "caller_name": None,
        "sim_swap": None,
        "call_forwarding": None,
        "line_status": None,
        "line_type_intelligence": None,
        "identity_match": None,
        "reassigned_number": None,
        "sms_pumping_risk": None,
        "phone_number_quality_score": None,
        "pre_fill": None,
        "url": f"https://lookups.twilio.com/v2/PhoneNumbers/{number}",
    }
    if match is None or (number.startswith("+1") and len(number) != 12):
        if match is not None:
            base["validation_errors"] = ["TOO_SHORT" if len(number) < 12 else "TOO_LONG"]
        return base
    base.update(
        calling_country_code=match[1],
        country_code="US" if match[1] == "1" else None,
        national_format=_formatted(number),
        valid=True,
        validation_errors=[],
    )
    if "line_type_intelligence" in [f.strip() for f in fields.split(",")]:
        base["line_type_intelligence"] = _line_type_intelligence(line_type or "mobile")
    return base


def _line_type_intelligence(line_type: str) -> dict:
    if line_type.startswith("error:"):
        code = int(line_type.removeprefix("error:"))
        return {
            "carrier_name": None,
            "error_code": code,
            "mobile_country_code": None,
            "mobile_network_code": None,
            "type": None,
        }
    mcc, mnc, carrier = _CARRIERS.get(line_type, (None, None, None))
    return {
        "carrier_name": None if line_type in _NO_CARRIER else carrier,
        "error_code": None,
        "mobile_country_code": mcc,
        "mobile_network_code": mnc,
        "type": line_type,
    }
