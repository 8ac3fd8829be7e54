"""Reading phones as typed in exports (contacts.phones): pure functions, no database.

Where libphonenumber itself accepts an input, each case also checks that our reading is
its reading (``_libphonenumber``): it parses first, our own fixes only cover the shapes it
does not know (spreadsheet numbers, seven digits, two numbers in a cell, notes in words).
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts.phones import phone_normalize


def _libphonenumber(raw: str, region: str = "US") -> tuple[str, str] | None:
    """(E.164, extension) as libphonenumber reads ``raw``; None when it refuses the text or
    calls the number invalid."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.normalize_digits_only(number.extension or "")


def _full_width(text: str) -> str:
    """``text`` in the full-width forms East Asian keyboards type (U+FF01 to U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _read(raw: str, **options: str) -> tuple[str, str, bool, str]:
    result = phone_normalize(raw, **options)
    return result.e164, result.extension, result.valid, result.problem


# Everyday shapes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "(512) 555-0123",
        "512.555.0123",
        "+1 512 555 0123",
        "1-512-555-0123",
        "5125550123",
        "  512-555-0123  ",
        "Cell: 512-555-0123",
        "Phone #: 512-555-0123",  # "#" before the number is not an extension
        "512/555-0123",
    ],
)
def test_phone_formats_all_read_as_the_same_number(raw):
    result = phone_normalize(raw)

    assert (result.e164, result.valid, result.extension, result.problem) == (
        "+15125550123",
        True,
        "",
        "",
    )
    assert result.raw == raw.strip()
    assert _libphonenumber(raw) == ("+15125550123", "")


_SEPARATOR = st.sampled_from(["", " ", "-", ".", " - "])


@st.composite
def _plain_nanp_numbers(draw):
    """The shapes most exports hold, with any area code, exchange and line digits."""
    area = draw(st.integers(100, 999))
    exchange = draw(st.integers(0, 999))
    line = draw(st.integers(0, 9999))
    prefix = draw(st.sampled_from(["", "1", "1 ", "1-", "+1", "+1 ", "+1-", "+1."]))
    area_text = draw(st.sampled_from([f"{area}", f"({area})", f"({area}) "]))
    extension = draw(
        st.sampled_from(["", " x", "x", " X ", " ext ", " ext. ", " Ext.", "EXT"]).flatmap(
            lambda label: (
                st.just("") if not label else st.integers(0, 999999).map(lambda n: f"{label}{n}")
            )
        )
    )
    return (
        f"{prefix}{area_text}{draw(_SEPARATOR)}{exchange:03d}{draw(_SEPARATOR)}{line:04d}"
        f"{extension}"
    )


@settings(max_examples=400, deadline=None)
@given(raw=_plain_nanp_numbers())
def test_phone_everyday_shapes_read_exactly_as_libphonenumber_reads_them(raw):
    result = phone_normalize(raw)
    expected = _libphonenumber(raw)

    if expected is None:
        assert (result.e164, result.valid) == ("", False)
        assert result.problem
    else:
        assert (result.e164, result.extension, result.valid) == (*expected, True)


def test_phone_time_zone_comes_from_the_area_code():
    assert phone_normalize("(512) 555-0123").time_zone == "America/Chicago"
    assert phone_normalize("(212) 555-0123").time_zone == "America/New_York"


def test_phone_time_zone_is_blank_when_the_number_spans_zones():
    result = phone_normalize("800-555-0123")  # toll-free: every NANP zone

    assert result.valid
    assert result.time_zone == ""


@pytest.mark.parametrize("raw", [None, "", "   ", "N/A", "none", "-"])
def test_phone_blank_is_invalid_without_a_problem(raw):
    result = phone_normalize(raw)

    assert (result.e164, result.valid, result.problem) == ("", False, "")


# Kinds libphonenumber reads itself ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("1-800-DENTIST", "+18003368478"),
        ("1-888-PET-MEDS", "+18887386337"),
        ("(800) GOT-JUNK", "+18004685865"),
        ("1 800 SIX FLAG", "+18007493524"),
    ],
)
def test_phone_vanity_letters_are_dialled_as_their_keypad_digits(raw, e164):
    assert _read(raw) == (e164, "", True, "")
    assert _libphonenumber(raw) == (e164, "")


@pytest.mark.parametrize(
    ("raw", "e164", "extension"),
    [
        ("tel:+1-512-555-0123;phone-context=example.com", "+15125550123", ""),
        ("tel:555-0123;phone-context=+1-512", "+15125550123", ""),
        ("tel:7946-0958;phone-context=+44-20", "+442079460958", ""),
        ("tel:+1-512-555-0123;ext=42", "+15125550123", "42"),
        ("tel:+1-512-555-0123;isub=77", "+15125550123", ""),
    ],
)
def test_phone_tel_uri_is_read_with_its_phone_context(raw, e164, extension):
    assert _read(raw, area_code="303") == (e164, extension, True, "")
    assert _libphonenumber(raw) == (e164, extension)


@pytest.mark.parametrize(
    ("raw", "e164", "extension"),
    [
        (_full_width("+1 512 555 0123"), "+15125550123", ""),
        (_full_width("512-555-0123"), "+15125550123", ""),
        (_full_width("+44 20 7946 0958"), "+442079460958", ""),
        (_full_width("+") + "44 20 7946 0958", "+442079460958", ""),
        (_full_width("512-555-0123 x42"), "+15125550123", "42"),
    ],
)
def test_phone_full_width_digits_and_plus_read_as_ascii(raw, e164, extension):
    assert _read(raw) == (e164, extension, True, "")
    assert _libphonenumber(raw) == (e164, extension)


@pytest.mark.parametrize(
    "raw",
    [
        "512-555-0123 x42",
        "512-555-0123 X 42",
        "5125550123x42",
        "512-555-0123 ext 42",
        "512-555-0123 ext. 42",
        "512-555-0123 Extension: 42",
        "512-555-0123 #42",
        "512-555-0123 int 42",
        "512-555-0123 \uff5e42",  # a full-width tilde
        "(512) 555-0123 - 42#",  # American style: the extension, then "#"
        "512-555-0123,,42",  # ",," pauses before dialling the extension
        "512-555-0123,42",
        "512-555-0123;42",
    ],
)
def test_phone_extension_and_pause_syntax_keep_the_extension_apart(raw):
    assert _read(raw) == ("+15125550123", "42", True, "")
    assert _libphonenumber(raw) == ("+15125550123", "42")


def test_phone_long_pause_extension_is_kept_whole():
    raw = "512-555-0123,,,,4321#"

    assert _read(raw) == ("+15125550123", "4321", True, "")
    assert _libphonenumber(raw) == ("+15125550123", "4321")


def test_phone_extension_is_kept_when_a_note_follows_it():
    assert _read("512-555-0123 x204 (office)") == ("+15125550123", "204", True, "")


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+1 512 555 0123", "+15125550123"),
        ("1 512 555 0123", "+15125550123"),
        ("011 1 512 555 0123", "+15125550123"),  # 011: the exit code from the US
        ("011 44 20 7946 0958", "+442079460958"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_national_and_international_prefixes_from_the_us(raw, e164):
    assert _read(raw)[:3] == (e164, "", True)
    assert _libphonenumber(raw) == (e164, "")


def test_phone_00_is_not_an_exit_code_from_the_us():
    raw = "001 512 555 0123"

    assert _read(raw) == (
        "",
        "",
        False,
        "phone '001 512 555 0123' is not a valid number for US (too many digits)",
    )
    assert _libphonenumber(raw) is None


def test_phone_00_is_the_exit_code_from_the_uk():
    assert _read("00 1 512 555 0123", country="GB")[:3] == ("+15125550123", "", True)
    assert _libphonenumber("00 1 512 555 0123", "GB") == ("+15125550123", "")


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("1 (512) 555-0123", "US", "+15125550123"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 (0)20 7946 0958", "GB", "+442079460958"),
        ("+44 (0)20 7946 0958", "US", "+442079460958"),
        ("01 23 45 67 89", "FR", "+33123456789"),
    ],
)
def test_phone_trunk_prefix_is_dropped(raw, country, e164):
    assert _read(raw, country=country) == (e164, "", True, "")
    assert _libphonenumber(raw, country) == (e164, "")


def test_phone_international_number_keeps_its_own_country_and_zone():
    result = phone_normalize("+44 20 7946 0958")

    assert (result.e164, result.valid, result.time_zone) == ("+442079460958", True, "Europe/London")


@pytest.mark.parametrize(
    "raw",
    [
        "(150) 555-0142",  # area codes never start with 1
        "(555) 253-0142",  # 555 is not an area code
        "(911) 555-0142",  # N11 codes are services
        "(370) 555-0142",  # unassigned
        "(512) 155-0123",  # exchanges never start with 1
        "(512) 055-0123",  # …or 0
    ],
)
def test_phone_invalid_but_plausible_numbers_stay_invalid_and_say_why(raw):
    assert _read(raw, area_code="512") == (
        "",
        "",
        False,
        f"phone '{raw}' is not a valid number for US (no such area code or exchange)",
    )
    assert _libphonenumber(raw) is None


def test_phone_fictional_555_01xx_range_is_valid_as_libphonenumber_reads_it():
    # Demo data and the benchmarks use the range; libphonenumber calls it valid.
    assert _read("(212) 555-0123") == ("+12125550123", "", True, "")
    assert _libphonenumber("(212) 555-0123") == ("+12125550123", "")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("12345", "phone '12345' is not a valid number for US (too few digits)"),
        (
            "+44 20 7946 095",
            "phone '+44 20 7946 095' is not a valid number (not in that country's numbering plan)",
        ),
        ("+999 123 4567", "phone '+999 123 4567' is not a valid number (no such country code)"),
        ("call mom", "phone 'call mom' has no digits"),
    ],
)
def test_phone_invalid_is_kept_as_typed_with_a_problem_in_words(raw, problem):
    result = phone_normalize(raw)

    assert (result.raw, result.e164, result.valid, result.time_zone) == (raw, "", False, "")
    assert result.problem == problem


# Our own fixes, for shapes libphonenumber does not know ---------------------------------------


@pytest.mark.parametrize(
    "raw", ["5.125550123E+09", "5.125550123e9", "5125550123.0", "5125550123.00"]
)
def test_phone_spreadsheet_number_is_read_as_its_digits(raw):
    assert _read(raw) == ("+15125550123", "", True, "")
    assert _libphonenumber(raw) != ("+15125550123", "")  # it reads the "." or "E" as digits
    assert _libphonenumber("5125550123") == ("+15125550123", "")


def test_phone_scientific_notation_that_lost_digits_is_refused():
    assert _read("5.12555E+09") == (
        "",
        "",
        False,
        "phone '5.12555E+09' lost digits in a spreadsheet (scientific notation)",
    )


def test_phone_scientific_notation_of_a_fraction_is_not_a_phone():
    assert _read("5.1255501234E+09")[2:] == (
        False,
        "phone '5.1255501234E+09' is not a valid number (not a whole number)",
    )


@pytest.mark.parametrize(
    ("raw", "extension"),
    [
        ("555-0123", ""),
        ("555.0123", ""),
        ("555-0123 x42", "42"),
        ("555.0123,,42", "42"),
        ("tel:5550123;phone-context=example.com", ""),
        ("5550123.0", ""),
    ],
)
def test_phone_seven_digits_are_completed_with_the_practice_area_code(raw, extension):
    assert _read(raw, area_code="512") == ("+15125550123", extension, True, "")
    assert _libphonenumber(raw) is None  # a local number, which it calls invalid


def test_phone_seven_digits_without_area_code_are_invalid_and_say_why():
    result = phone_normalize("555-0123")

    assert (result.raw, result.e164, result.valid) == ("555-0123", "", False)
    assert result.problem == "7-digit number needs the practice's area code"


def test_phone_seven_digits_after_a_country_code_are_not_completed():
    assert _read("+1 555 0123", area_code="512") == (
        "",
        "",
        False,
        "phone '+1 555 0123' is not a valid number (a local number without its area code)",
    )


def test_phone_seven_digits_are_not_completed_outside_north_america():
    assert _read("555 0123", country="GB", area_code="512")[:3] == ("", "", False)


@pytest.mark.parametrize(
    ("raw", "e164", "options"),
    [
        ("512-555-0123 / 303-555-0142", "+15125550123", {}),
        ("555-1234 / 555-9876", "+15125551234", {"area_code": "512"}),
        ("cell 512-555-0123 or home 303-555-0142", "+15125550123", {}),
        ("512-555-0123, 303-555-0142", "+15125550123", {}),
        ("512-555-0123 & 303-555-0142", "+15125550123", {}),
        # libphonenumber reads the second number as an extension of the first.
        ("5125550123;3035550142", "+15125550123", {}),
    ],
)
def test_phone_two_numbers_in_one_cell_keep_the_first_and_say_so(raw, e164, options):
    assert _read(raw, **options) == (
        e164,
        "",
        True,
        f"phone '{raw}' holds 2 numbers; kept the first",
    )


@pytest.mark.parametrize(
    ("raw", "extension"),
    [
        ("(512) 555-0123 , ext 4321567", "4321567"),
        ("(512) 555-0123 ; 7246433", "7246433"),
        ("(512) 555-0123,,7246433", "7246433"),
    ],
)
def test_phone_long_extension_after_a_comma_or_semicolon_is_not_a_second_number(raw, extension):
    assert _read(raw, area_code="303") == ("+15125550123", extension, True, "")
    assert _libphonenumber(raw) == ("+15125550123", extension)


def test_phone_two_numbers_in_one_cell_keep_the_first_valid_one():
    raw = "(150) 555-0142 / 512-555-0123"

    assert _read(raw) == (
        "+15125550123",
        "",
        True,
        f"phone '{raw}' holds 2 numbers; kept the second, the first valid one",
    )


def test_phone_two_invalid_numbers_in_one_cell_are_invalid():
    raw = "(150) 555-0142; (512) 155-0123"

    assert _read(raw) == ("", "", False, f"phone '{raw}' holds 2 numbers, none of them valid")


@pytest.mark.parametrize(
    "raw", ["512-555-0123 (cell)", " 512 555 0123 (cell)", "512-555-0123 home", "512-555-0123 Mom"]
)
def test_phone_note_after_the_number_is_not_part_of_it(raw):
    assert _read(raw) == ("+15125550123", "", True, "")


def test_phone_note_in_words_is_not_read_as_vanity_letters():
    # libphonenumber dials "mom" as 666: a different, valid number.
    assert _libphonenumber("867-5309 mom") == ("+18675309666", "")

    assert _read("867-5309 mom", area_code="512") == ("+15128675309", "", True, "")


# Inputs our old pre-processing stored as a different, valid-looking subscriber ---------------


def test_phone_full_width_plus_keeps_its_country_instead_of_becoming_a_us_number():
    # Read as "6565550142", the digits made a valid Florida number.
    raw = _full_width("+") + "65 6555 0142"

    assert _read(raw)[:3] == ("+6565550142", "", True)
    assert _libphonenumber(raw) == ("+6565550142", "")


def test_phone_tel_uri_phone_context_is_not_appended_to_the_number():
    # Read as its digits, "4155550" + "643" made a valid San Francisco number.
    raw = "tel:415-5550;phone-context=+64-3"

    assert _read(raw)[:3] == ("+6434155550", "", True)
    assert _libphonenumber(raw) == ("+6434155550", "")


def test_phone_american_extension_is_not_joined_to_an_invalid_number():
    # Read as its digits ("+112355501236", the extension joined on), it became the valid
    # +1 235-550-1236.
    raw = "+11235550123-6#"

    assert _read(raw) == (
        "",
        "6",
        False,
        "phone '+11235550123-6#' is not a valid number (no such area code or exchange)",
    )
    assert _libphonenumber(raw) is None


def test_phone_pause_before_an_extension_does_not_join_it_to_a_local_number():
    # Read as "8675309512", the digits made a valid Yukon number.
    raw = "867-5309,,512"

    assert _read(raw, area_code="512") == ("+15128675309", "512", True, "")


# Robustness ----------------------------------------------------------------------------------

_PHONE_CHARACTERS = st.text(
    alphabet=st.sampled_from(list("0123456789+-.()/ ,;#xXeE:tel=" + _full_width("~+0125a"))),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=40), _PHONE_CHARACTERS))
def test_phone_any_text_gives_a_result_never_an_error(text):
    result = phone_normalize(text, area_code="512")

    assert result.valid == bool(result.e164)
    assert result.extension.isascii()
    if result.valid:
        assert phonenumbers.is_valid_number(phonenumbers.parse(result.e164))
