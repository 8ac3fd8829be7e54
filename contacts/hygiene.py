"""Cleaning the messy values of EMR and practice-management exports.

Pure functions, no models and no database: every function takes what a cell holds and
returns the cleaned value together with a problem in words for the import report. They never
raise on bad input, because one odd cell must not stop a practice's import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import jellyfish
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# The values of contacts.models.LastOutcome, kept here so this module stays model-free.
OUTCOMES = ("inquiry", "scheduled", "canceled", "no_show", "treatment_plan", "not_now", "unknown")

# Exports fill empty cells with these; they mean "nothing here", not a bad value.
PLACEHOLDERS = frozenset(
    {"", "-", "--", "---", "?", "n/a", "na", "n.a.", "#n/a", "none", "null", "nil", "unknown"}
)


def _blank(text: str) -> bool:
    return text.strip().casefold() in PLACEHOLDERS


def _quote(text: str, limit: int = 60) -> str:
    """A cell value for a problem message, cut short so one wild cell can't flood the report."""
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 1]}…'"


def _text(raw: object) -> str:
    return "" if raw is None else str(raw).strip()


# Letters NFKD does not split into base letter + accent.
_FOLD = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "æ": "ae",
        "Æ": "AE",
        "\u0131": "i",
    }
)


def _fold(text: str) -> str:
    """Strip accents ("José" → "Jose") so spellings with and without them match."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Phones are read in contacts.phones. A spreadsheet stores a number typed in a cell as a
# float: "5125550123.0" (a phone), "1.0" (a flag).
_EXCEL_FLOAT = re.compile(r"(\d+)\.0+")
# Cleaning is pure, and an export repeats its values (the same status words, names, dates
# and family phones on many rows): bounded caches keep an import's cost per row down.
CACHE_SIZE = 1 << 14


# Emails --------------------------------------------------------------------------------------

# "Bob Smith <bob@example.com>" as mail programs copy an address.
_NAMED_ADDRESS = re.compile(r"[^<>]*<([^<>]*)>")


@dataclass(frozen=True, slots=True)
class EmailResult:
    raw: str  # as typed (stripped)
    normalized: str  # lowercased address; kept even when invalid
    valid: bool  # False for blank too
    problem: str  # for the import report; "" when fine or blank


def email_normalize(raw: str | None) -> EmailResult:
    """Trim, unwrap ("<…>", "mailto:", "Name <…>"), lowercase and syntax-check an email.

    Lowercasing the local part is technically lossy but no mailbox a patient uses depends on
    it, and it makes the same address typed twice match for duplicate detection.
    """
    text = _text(raw)
    if _blank(text):
        return EmailResult(text, "", False, "")
    address = text
    if named := _NAMED_ADDRESS.fullmatch(address):
        address = named.group(1)
    address = address.strip().strip("<>").strip()
    address = re.sub(r"^mailto:", "", address, flags=re.IGNORECASE)
    # Trailing punctuation is from the sentence or list the address was copied from.
    address = address.strip(" \t.,;:'\"").lower()
    problem = ""
    addresses = [part for part in re.split(r"[;,\s]+", address) if "@" in part]
    if len(addresses) > 1:
        address = addresses[0]
        problem = f"email {_quote(text)} holds {len(addresses)} addresses; kept the first"
    try:
        validate_email(address)
    except ValidationError:
        return EmailResult(text, address, False, f"email {_quote(text)} is not valid")
    return EmailResult(text, address, True, problem)


# Names ---------------------------------------------------------------------------------------

# Generational suffixes stay in capitals when a shouting name is recased ("JOHN SMITH III").
_ROMAN_SUFFIXES = frozenset({"ii", "iii", "iv"})


def _capitalize(match: re.Match[str]) -> str:
    part = match.group(0)
    if part.lower() in _ROMAN_SUFFIXES:
        return part.upper()
    return part[:1].upper() + part[1:].lower()


@lru_cache(maxsize=CACHE_SIZE)
def _name_normalize(raw: str) -> str:
    name = " ".join(raw.split())
    if name.isupper() or name.islower():
        # \u2019 is the typographic apostrophe word processors type.
        name = re.sub(r"[^\s\-'\u2019]+", _capitalize, name)
    return name


def name_normalize(raw: str | None) -> str:
    """Trim and collapse spaces; recase only names typed all in capitals or all lower case.

    Mixed case ("DeAndre", "McKay", "van der Berg") is how the person writes it and is kept.
    Recased names capitalize each part between spaces, hyphens and apostrophes, so "MCDONALD"
    becomes "Mcdonald": a guess at "McDonald" would be wrong for "Macy" or "Mackey".
    """
    return _name_normalize(raw if isinstance(raw, str) else _text(raw))


def _letters(text: str) -> str:
    """Lower-case letters only, accents stripped: the spelling-insensitive part of a name."""
    return "".join(c for c in _fold(text).casefold() if c.isalpha())


@lru_cache(maxsize=CACHE_SIZE)
def name_key(first: str, last: str) -> str:
    """Identity key for "matching names": "jose|garcia-lopez" → "jose|garcialopez".

    "" when neither name has a letter: a blank name is no name, so it never matches
    another blank name. Letters outside Latin script are kept, so two different Cyrillic
    names never share a key and get merged as the same person.
    """
    first, last = _letters(first or ""), _letters(last or "")
    return f"{first}|{last}" if first or last else ""


@lru_cache(maxsize=CACHE_SIZE)
def surname_key(last: str) -> str:
    """Phonetic key of the surname for finding duplicate candidates ("Smith" = "Smyth")."""
    ascii_letters = "".join(c for c in _fold(last or "") if c.isascii() and c.isalpha())
    return jellyfish.metaphone(ascii_letters) if ascii_letters else ""


# Outcomes ------------------------------------------------------------------------------------


def outcome_key(raw: str | None) -> str:
    """The lookup form of an outcome word: "No-Show!" → "no show", "N/S" → "n s"."""
    return _outcome_key(raw if isinstance(raw, str) else _text(raw))


@lru_cache(maxsize=CACHE_SIZE)
def _outcome_key(raw: str) -> str:
    text = _fold(raw.strip()).casefold()
    # Letters of any script stay, so a practice can add its own words in any language.
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


# Exact words from exports, keyed by outcome_key. Checked before the keyword rules below.
OUTCOME_SYNONYMS: dict[str, str] = {
    **{outcome_key(outcome): outcome for outcome in OUTCOMES},  # our own exports read back
    # no-show
    "ns": "no_show",
    "n s": "no_show",
    "noshow": "no_show",
    "no show": "no_show",
    "fta": "no_show",  # failed to appear
    "dna": "no_show",  # did not attend
    "missed": "no_show",
    "missed appt": "no_show",
    "broken appt": "no_show",
    # canceled
    "cx": "canceled",
    "cxl": "canceled",
    "canx": "canceled",
    "cancelled": "canceled",
    "canceled": "canceled",
    "pt cancelled": "canceled",
    # treatment plan presented, not booked
    "tp": "treatment_plan",
    "tx plan": "treatment_plan",
    "tx plan presented": "treatment_plan",
    "treatment plan": "treatment_plan",
    "quoted": "treatment_plan",
    "consult no book": "treatment_plan",
    "consult no schedule": "treatment_plan",
    "pending tx": "treatment_plan",
    # timing wasn't right
    "not now": "not_now",
    "maybe later": "not_now",
    "call back later": "not_now",
    "timing": "not_now",
    "not interested right now": "not_now",
    # inquiry
    "inquiry": "inquiry",
    "enquiry": "inquiry",
    "lead": "inquiry",
    "new lead": "inquiry",
    "web inquiry": "inquiry",
    "called no appt": "inquiry",
    # scheduled
    "scheduled": "scheduled",
    "booked": "scheduled",
    "appt made": "scheduled",
    "confirmed": "scheduled",
}

# Keyword rules for words not listed above, tried in order: an explicit no-show or
# cancellation outranks anything else the note says ("booked consult - no show").
_NO_SHOW = re.compile(
    r"\bno ?show(s|ed)?\b|\bns\b|\bmissed\b|\bfta\b|\bdna\b|\bfailed to (appear|show)"
    r"|\bdid ?n[o ]?t (show|come)|\bbroken appt"
)
_CANCELED = re.compile(r"\bcancel|\bcxl|\bcx\b|\bcanx|\bcncl")
# "not interested" alone is a refusal, not "not now": only time words make it "not now".
_NOT_NOW = re.compile(
    r"\bnot (now|yet|ready)\b|\b(right|for) now\b|\bat this time\b|\blater\b|\btiming\b"
    r"|\bcall ?back\b|\bnext (week|month|year)\b|\bon hold\b|\bthinking\b"
)
_BOOKED = re.compile(r"\b(re)?sched|\bbook|\bappt\b|\bappointment|\bconfirm")
# "no appt", "not scheduled", "unscheduled", "wants to book": a booking word that isn't one.
_NOT_BOOKED = re.compile(
    r"\b(no|not|never|didn t|did not|w o|without|un|needs?|wants?|to|will)\s*"
    r"(re)?(book|sched|appt|appointment)"
)
_PLAN = re.compile(
    r"\btx\b|\btreatment\b|\btp\b|\bplan\b|\bconsult|\bquote|\bestimate|\bpresented\b"
)
_INQUIRY = re.compile(r"\binquir|\benquir|\blead\b|\bcalled\b|\bweb\b|\bform\b|\binfo\b|\bnew pt")


@lru_cache(maxsize=CACHE_SIZE)
def _outcome_by_keywords(key: str) -> str:
    if _NO_SHOW.search(key):
        return "no_show"
    if _CANCELED.search(key):
        return "canceled"
    if _NOT_NOW.search(key):
        return "not_now"
    not_booked = bool(_NOT_BOOKED.search(key))
    if _BOOKED.search(key) and not not_booked:
        return "scheduled"
    if _PLAN.search(key):
        return "treatment_plan"
    if not_booked or _INQUIRY.search(key):
        return "inquiry"
    return "unknown"


def outcome_normalize(raw: str | None, extra: Mapping[str, str] | None = None) -> str:
    """Map a last-outcome or appointment-status word to one of OUTCOMES.

    ``extra`` is the practice's own synonyms (keys made by ``outcome_key``); they override
    the built-in words, because a practice knows what its own "Pending" means.
    """
    key = outcome_key(raw)
    if not key:
        return "unknown"
    if extra and extra.get(key) in OUTCOMES:
        return extra[key]
    if key in OUTCOME_SYNONYMS:
        return OUTCOME_SYNONYMS[key]
    return _outcome_by_keywords(key)


# Flags ---------------------------------------------------------------------------------------

# Values of a do-not-contact or opt-out column that mean "yes", after outcome_key.
TRUTHY = frozenset(
    {
        "y",
        "yes",
        "1",
        "true",
        "t",
        "x",
        "on",
        "checked",
        "dnc",
        "do not contact",
        "opt out",
        "opted out",
        "optout",
        "unsubscribed",
        "stop",
    }
)
# Other text in such a column that still plainly asks not to be contacted ("DNC - moved on",
# "Deceased"). Missing one of these risks messaging someone who must not be messaged.
_TRUTHY_WORDS = re.compile(
    r"\bdnc\b|\bdo not\b|\bdon ?t\b|\bopt(ed)? ?out\b|\bunsub|\bstop\b|\bdeceased\b"
    r"|\bno (contact|texts?|sms|calls?|emails?)\b"
)


def flag_parse(raw: str | None) -> bool:
    """Read a do-not-contact or opt-out cell: "Y", "DNC", "opted out" → True.

    Blank, "N", "No", "0", "false" and unrecognized text → False.
    """
    if isinstance(raw, bool):
        return raw
    return _flag_parse(raw if isinstance(raw, str) else _text(raw))


@lru_cache(maxsize=CACHE_SIZE)
def _flag_parse(raw: str) -> bool:
    text = raw.strip()
    if float_match := _EXCEL_FLOAT.fullmatch(text):
        text = float_match.group(1)  # "1.0" from a spreadsheet number
    key = outcome_key(text)
    return key in TRUTHY or bool(_TRUTHY_WORDS.search(key))


# Amounts -------------------------------------------------------------------------------------

# Contact.quoted_amount is DecimalField(max_digits=10, decimal_places=2).
CENT = Decimal("0.01")
AMOUNT_LIMIT = Decimal("100000000")
_CURRENCY = re.compile(r"us\$|usd|cad|c\$|\$|dollars?|€|eur|£|gbp", re.IGNORECASE)
# US separators only: "1,200" and "1,200.50"; "4,5" is not read as 4.5.
_AMOUNT = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?\s*([km])?", re.IGNORECASE)
_MULTIPLIERS = {"": 1, "k": 1_000, "m": 1_000_000}


def amount_parse(raw: object) -> tuple[Decimal | None, str]:
    """A money amount and the problem in words: "$4,500.00", "4.5k", "USD 1,200" → Decimal.

    Rounded to cents. Negative, range ("3000-5000") and oversized values are problems.
    """
    if raw is None or isinstance(raw, bool):
        return None, "" if raw is None else f"amount {_quote(str(raw))} not understood"
    if isinstance(raw, int | float | Decimal):
        text = str(raw)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return None, f"amount {_quote(text)} not understood"
        if amount.is_nan():
            return None, ""  # NaN: how pandas writes an empty cell
        if not amount.is_finite():
            return None, f"amount {_quote(text)} not understood"
    else:
        return _amount_text(raw if isinstance(raw, str) else _text(raw))
    return _amount_checked(amount, text)


@lru_cache(maxsize=CACHE_SIZE)
def _amount_text(raw: str) -> tuple[Decimal | None, str]:
    text = raw.strip()
    if _blank(text):
        return None, ""
    cleaned = _CURRENCY.sub("", text).strip().replace(" ", "")
    if cleaned.startswith("-") or (cleaned.startswith("(") and cleaned.endswith(")")):
        return None, f"amount {_quote(text)} is negative"
    match = _AMOUNT.fullmatch(cleaned)
    if not match or not (match.group(1) or match.group(2)):
        return None, f"amount {_quote(text)} not understood"
    whole, fraction, suffix = match.group(1) or "0", match.group(2) or "", match.group(3)
    amount = Decimal(whole.replace(",", "") + fraction) * _MULTIPLIERS[(suffix or "").lower()]
    return _amount_checked(amount, text)


def _amount_checked(amount: Decimal, text: str) -> tuple[Decimal | None, str]:
    if amount < 0:
        return None, f"amount {_quote(text)} is negative"
    # Checked before rounding too: quantize fails on numbers wider than the decimal context.
    if amount >= AMOUNT_LIMIT or amount.quantize(CENT, rounding=ROUND_HALF_UP) >= AMOUNT_LIMIT:
        return None, f"amount {_quote(text)} is too large"
    return amount.quantize(CENT, rounding=ROUND_HALF_UP), ""
