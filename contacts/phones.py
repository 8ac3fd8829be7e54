"""Phone numbers as typed in exports, read into E.164, an extension and a time zone.

libphonenumber reads the text as typed: it knows vanity letters ("1-800-FLOWERS"), RFC 3966
``tel:`` URIs with ``phone-context``, full-width digits and plus signs, extensions and pause
syntax ("x204", "ext. 204", "#204", "- 204#", ",,204", ";204"), national and international
prefixes. Our own fixes apply only to shapes it does not know, each tried on its own:

- a spreadsheet number: "6502530000.0", or scientific notation "6.502530000E+09" (refused
  when Excel dropped digits);
- two numbers in one cell ("555-1234 / 555-9876", "cell … or home …"): the first valid one
  is kept and the problem says so (digits that libphonenumber reads as an extension stay
  one, unless they make a valid number of their own);
- a note in words after the number ("512-555-0123 (cell)"): libphonenumber would read its
  letters as a vanity number ("253-4567 mom" → 253-456-7666), so the number is read without
  the note first, and as a vanity number only when that is not valid;
- a seven-digit local number in a NANP country: completed with the practice's area code.

Whatever the path, a number is stored as valid only when libphonenumber calls it valid.
Pure functions, no database; they never raise on bad input (see ``contacts.hygiene``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import timezone as phone_timezone

from contacts.hygiene import _EXCEL_FLOAT, CACHE_SIZE, _blank, _quote, _text

NANP_COUNTRIES = frozenset({"US", "CA"})
_E164 = phonenumbers.PhoneNumberFormat.E164
_FROM_DEFAULT_COUNTRY = phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY
_UNKNOWN_ZONE = "Etc/Unknown"

# The shapes most exports hold: "(512) 555-0123", "+1 512.555.0123", "15125550123",
# "512-555-0123 x204". libphonenumber reads them as their digits (the "1" a national prefix,
# "x"/"ext" an extension), so they skip its parser, which costs several times the rest
# (tests/contacts/test_phones.py checks that both read them alike).
_PLAIN_NANP = re.compile(
    r"(\+1|1)? ?[ .-]?\(?([2-9][0-9]{2})\)? ?[ .-]?([0-9]{3}) ?[ .-]? ?([0-9]{4})"
    r"(?: *(?:x|ext\.?) *([0-9]{1,6}))?",
    re.IGNORECASE,
)
# Excel shows a number too wide for its column in scientific notation, which may have
# dropped digits: "5.12555E+09".
_SCIENTIFIC = re.compile(r"([0-9])(?:\.([0-9]+))?e\+?([0-9]+)", re.IGNORECASE)
# RFC 3966 syntax: its ";" and words are libphonenumber's to read, never notes or separators.
_RFC3966 = re.compile(r"tel:|;(?:phone-context|ext|isub)=", re.IGNORECASE)
# Two numbers in one cell: "512-555-0123 / 512-555-0199", "… or …", "…; …", "…, …".
# A doubled comma is not one: ",," is the pause before an extension ("…,,204").
_SEPARATORS = re.compile(r"\s*(?:[/;&|\n]|(?<!,),(?!,)|\bor\b|\band\b)\s*", re.IGNORECASE)
_ORDINALS = ("first", "second", "third", "fourth")
# Words in a cell are notes ("(cell)", "home", "Mom"), except the extension labels that
# libphonenumber reads ("x204", "ext. 204", "int 204", Spanish "anexo", Russian "доб").
_WORD = re.compile(r"[^\W\d_]+")
_EXTENSION_LABEL = re.compile(r"e?xt(?:ensi[oó]n?)?n?|x|int|anexo|доб", re.IGNORECASE)
_EMPTY_BRACKETS = re.compile(r"[(\[{]\s*[)\]}]")
_DIGIT = re.compile(r"\d")
_ASCII_DIGITS = frozenset("0123456789")
_NOT_ASCII_DIGIT = re.compile(r"[^0-9]")
_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: "too few digits",
    phonenumbers.ValidationResult.TOO_LONG: "too many digits",
    phonenumbers.ValidationResult.INVALID_LENGTH: "a wrong number of digits",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "no such country code",
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "a local number without its area code",
}


@dataclass(frozen=True, slots=True)
class PhoneResult:
    raw: str  # as typed (stripped)
    e164: str  # "+15125550123"; "" when invalid or blank
    extension: str  # "204" from "512-555-0123 x204"; "" when none
    valid: bool  # False for blank too
    time_zone: str  # IANA zone of the number when it has exactly one; else ""
    problem: str  # for the import report; "" when fine or blank


def phone_normalize(raw: str | None, *, country: str = "US", area_code: str = "") -> PhoneResult:
    """Read a phone as typed in an export into E.164, an extension and a time zone.

    ``country`` is the region for numbers without a ``+`` country code; ``area_code``
    completes seven-digit local numbers in NANP countries. Invalid numbers keep ``raw``.
    """
    if raw is None or isinstance(raw, str):
        return _phone_normalize(raw or "", country, area_code)
    return _phone_normalize(_text(raw), country, area_code)


@lru_cache(maxsize=CACHE_SIZE)
def _phone_normalize(raw: str, country: str, area_code: str) -> PhoneResult:
    text = raw.strip()
    if _blank(text):
        return PhoneResult(text, "", "", False, "", "")
    country = country.strip().upper()
    # (Every plain shape ends in a digit: the check spares the regex's backtracking.)
    if (
        text[-1] in _ASCII_DIGITS
        and (plain := _PLAIN_NANP.fullmatch(text))
        and (plain.group(1) == "+1" or country in NANP_COUNTRIES)
    ):
        return _plain(text, plain, country)
    area = _NOT_ASCII_DIGIT.sub("", area_code)
    if float_match := _EXCEL_FLOAT.fullmatch(text):
        return _one_number(text, float_match.group(1), country, area)
    if scientific := _SCIENTIFIC.fullmatch(text):
        return _from_scientific(text, scientific, country, area)
    if not _DIGIT.search(text):
        return _problem(text, f"phone {_quote(text)} has no digits")
    if _RFC3966.search(text):
        return _read(text, text, country, area)
    parts = (
        [part for part in _SEPARATORS.split(text) if len(_DIGIT.findall(part)) >= 7]
        if len(_DIGIT.findall(text)) >= 14  # room for two numbers
        else ()
    )
    if len(parts) > 1:
        # "…, ext 7246433", "…;7246433": libphonenumber reads an extension, which it is
        # unless its digits make a number of their own ("5125550123;3035550142").
        whole = _one_number(text, text, country, area)
        if whole.valid and whole.extension and not _read("", whole.extension, country, "").valid:
            return whole
        return _first_valid(text, parts, country, area)
    return _one_number(text, text, country, area)


def _problem(raw: str, problem: str, extension: str = "") -> PhoneResult:
    return PhoneResult(raw, "", extension, False, "", problem)


def _from_scientific(text: str, match: re.Match[str], country: str, area: str) -> PhoneResult:
    lead, decimals, exponent = match.group(1), match.group(2) or "", int(match.group(3))
    if len(decimals) > exponent:  # not a whole number, so not a phone Excel mangled
        return _problem(text, f"phone {_quote(text)} is not a valid number (not a whole number)")
    if len(decimals) < exponent:  # the zeros Excel filled in may have been any digits
        return _problem(
            text, f"phone {_quote(text)} lost digits in a spreadsheet (scientific notation)"
        )
    return _one_number(text, lead + decimals, country, area)


def _first_valid(text: str, parts: list[str], country: str, area: str) -> PhoneResult:
    """The first valid number of a cell holding several, with a problem saying so."""
    count = len(parts)
    for index, part in enumerate(parts):
        result = _one_number(text, part, country, area)
        if result.valid:
            which = _ORDINALS[index] if index < len(_ORDINALS) else f"number {index + 1}"
            reason = "" if index == 0 else ", the first valid one"
            problem = f"phone {_quote(text)} holds {count} numbers; kept the {which}{reason}"
            return PhoneResult(text, result.e164, result.extension, True, result.time_zone, problem)
    return _problem(text, f"phone {_quote(text)} holds {count} numbers, none of them valid")


def _one_number(raw: str, text: str, country: str, area: str) -> PhoneResult:
    """``text`` (all of ``raw`` or a part of it) read as one number; ``raw`` is what the
    result and its problem quote. Words after the first digit are a note unless the number
    is only valid with them read as letters of a vanity number."""
    without_notes = _without_notes(text)
    if without_notes is None:
        return _read(raw, text, country, area)
    result = _read(raw, without_notes, country, area)
    if result.valid:
        return result
    vanity = _read(raw, text, country, area)
    return vanity if vanity.valid else result


def _without_notes(text: str) -> str | None:
    """``text`` without its words (extension labels kept); None when no word follows the
    first digit, so there is no note to take out."""
    first_digit = _DIGIT.search(text)
    start = first_digit.start() if first_digit else len(text)
    note_after_digits = False
    kept: list[str] = []
    position = 0
    for word in _WORD.finditer(text):
        if _EXTENSION_LABEL.fullmatch(unicodedata.normalize("NFKC", word.group())):
            continue
        note_after_digits = note_after_digits or word.start() > start
        kept.append(text[position : word.start()])
        position = word.end()
    if not note_after_digits:
        return None
    kept.append(text[position:])
    return _EMPTY_BRACKETS.sub(" ", " ".join(kept)).strip()


def _read(raw: str, text: str, country: str, area: str) -> PhoneResult:
    """One number as libphonenumber reads ``text``, seven digits completed with ``area``."""
    if (
        text[-1:] in _ASCII_DIGITS
        and (plain := _PLAIN_NANP.fullmatch(text))
        and (plain.group(1) == "+1" or country in NANP_COUNTRIES)
    ):
        return _plain(raw, plain, country)
    try:
        number = phonenumbers.parse(text, country or None, keep_raw_input=True)
    except phonenumbers.NumberParseException as error:
        return _problem(raw, _invalid(raw, country, _national(text), error=error))
    national = number.country_code_source == _FROM_DEFAULT_COUNTRY
    # libphonenumber keeps an extension's digits as typed: full-width ones stay full-width.
    extension = phonenumbers.normalize_digits_only(number.extension or "")
    facts = _number_facts(
        number.country_code,
        number.national_number,
        bool(number.italian_leading_zero),
        number.number_of_leading_zeros or 1,
    )
    local = national and country in NANP_COUNTRIES and 10**6 <= number.national_number < 10**7
    if facts is None and local:  # seven digits: a local number, completed with the area code
        if len(area) != 3:
            return _problem(raw, "7-digit number needs the practice's area code", extension)
        number = phonenumbers.PhoneNumber(
            country_code=1, national_number=int(area + str(number.national_number))
        )
        facts = _number_facts(1, number.national_number, False, 1)
    if facts is None:
        return _problem(raw, _invalid(raw, country, national, number=number), extension)
    e164, time_zone = facts
    return PhoneResult(raw, e164, extension, True, time_zone, "")


def _plain(raw: str, plain: re.Match[str], country: str) -> PhoneResult:
    """A number of the plain NANP shapes, read as libphonenumber reads it."""
    prefix, area_digits, exchange, line, extension = plain.groups()
    national_number = int(area_digits + exchange + line)
    facts = _number_facts(1, national_number, False, 1)
    if facts is None:
        number = phonenumbers.PhoneNumber(country_code=1, national_number=national_number)
        problem = _invalid(raw, country, prefix != "+1", number=number)
        return _problem(raw, problem, extension or "")
    e164, time_zone = facts
    return PhoneResult(raw, e164, extension or "", True, time_zone, "")


def _national(text: str) -> bool:
    """Whether ``text`` is dialled without a country code (no "+", full-width or not)."""
    return "+" not in unicodedata.normalize("NFKC", text)


def _invalid(
    raw: str,
    country: str,
    national: bool,
    *,
    number: phonenumbers.PhoneNumber | None = None,
    error: phonenumbers.NumberParseException | None = None,
) -> str:
    """Why a number is not valid, in words, for the import report and the contact page."""
    where = f" for {country}" if country and national else ""
    if number is not None:
        possible = phonenumbers.is_possible_number_with_reason(number)
        why = _REASONS.get(possible)
        if why is None:  # the right length, but not in the numbering plan
            why = (
                "no such area code or exchange"
                if number.country_code == 1
                else "not in that country's numbering plan"
            )
    elif error is not None and error.error_type in (
        phonenumbers.NumberParseException.TOO_SHORT_NSN,
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD,
    ):
        why = "too few digits"
    elif error is not None and error.error_type == phonenumbers.NumberParseException.TOO_LONG:
        why = "too many digits"
    elif error is not None and error.error_type == (
        phonenumbers.NumberParseException.INVALID_COUNTRY_CODE
    ):
        why = "no country code" if national else "no such country code"
    else:
        why = "not read as a phone number"
    return f"phone {_quote(raw)} is not a valid number{where} ({why})"


def _time_zone(number: phonenumbers.PhoneNumber, number_type: int) -> str:
    """The number's zone when it has one (a 512 number is Chicago); "" for toll-free etc."""
    if phonenumbers.is_number_type_geographical(number_type, number.country_code):
        # What time_zones_for_number does once it knows the type (which costs as much
        # as the validity check, so it is worked out once).
        zones = phone_timezone.time_zones_for_geographical_number(number)
    else:
        zones = phone_timezone.time_zones_for_number(number)
    zones = set(zones) - {_UNKNOWN_ZONE}
    return zones.pop() if len(zones) == 1 else ""


@lru_cache(maxsize=CACHE_SIZE)
def _number_facts(
    country_code: int, national_number: int, leading_zero: bool, zeros: int
) -> tuple[str, str] | None:
    """E.164 and time zone of a parsed number; None when libphonenumber calls it invalid.
    Cached: family members share phones."""
    number = phonenumbers.PhoneNumber(
        country_code=country_code,
        national_number=national_number,
        italian_leading_zero=leading_zero or None,
        number_of_leading_zeros=zeros if leading_zero else None,
    )
    # A number is valid exactly when it has a type (is_valid_number is number_type != UNKNOWN).
    number_type = phonenumbers.number_type(number)
    if number_type == phonenumbers.PhoneNumberType.UNKNOWN:
        return None
    return phonenumbers.format_number(number, _E164), _time_zone(number, number_type)
