"""The number checks (outreach.number_checks): Twilio Lookup v2 through the real SDK against
the fake Twilio, the sandbox's, and the Reassigned Numbers Database's interface."""

import datetime as dt

import pytest

from outreach.number_checks import (
    NumberCheckUnavailable,
    Reassigned,
    SandboxNumberCheck,
    SandboxReassignedCheck,
    TwilioLookupCheck,
    number_check,
    reassigned_check,
)

MOBILE = "+12125550123"


@pytest.fixture
def lookup(twilio_settings, fake_twilio):
    twilio_settings.NUMBER_CHECK_TIMEOUT = 0.5
    return fake_twilio


def test_a_mobile_number_is_a_textable_mobile(lookup):
    info = TwilioLookupCheck().check(MOBILE)

    assert (info.type, info.valid, info.textable) == ("mobile", True, True)
    assert lookup.lookups == [{"number": MOBILE, "fields": "line_type_intelligence"}]


def test_a_landline_is_not_textable(lookup):
    lookup.line_type(MOBILE, "landline")

    info = TwilioLookupCheck().check(MOBILE)

    assert (info.type, info.textable, info.words()) == ("landline", False, "a landline")


@pytest.mark.parametrize("line_type", ["fixedVoip", "nonFixedVoip", "tollFree"])
def test_voip_and_toll_free_lines_may_be_texted(lookup, line_type):
    lookup.line_type(MOBILE, line_type)
    assert TwilioLookupCheck().check(MOBILE).textable


def test_a_number_lookup_calls_invalid_is_not_textable(lookup):
    info = TwilioLookupCheck().check("+1212555")

    assert (info.valid, info.textable, info.error) == (False, False, "too_short")


def test_a_line_type_twilio_cannot_tell_keeps_its_error_code_and_may_be_texted(lookup):
    lookup.line_type(MOBILE, "error:60600")

    info = TwilioLookupCheck().check(MOBILE)

    assert (info.type, info.error_code, info.textable) == ("", 60600, True)


def test_a_lookup_that_does_not_answer_in_time_is_unavailable(lookup):
    lookup.slow(2.0, count=1)

    with pytest.raises(NumberCheckUnavailable, match="did not answer in time"):
        TwilioLookupCheck().check(MOBILE)


@pytest.mark.parametrize("status", [500, 503, 429, 401])
def test_a_lookup_error_not_about_the_number_is_unavailable(lookup, status):
    lookup.fail_next(status)

    with pytest.raises(NumberCheckUnavailable, match=f"HTTP {status}"):
        TwilioLookupCheck().check(MOBILE)


def test_lookup_without_credentials_is_unavailable(settings):
    settings.TWILIO_ACCOUNT_SID = ""

    with pytest.raises(NumberCheckUnavailable, match="not configured"):
        TwilioLookupCheck().check(MOBILE)


@pytest.mark.parametrize(
    ("number", "line_type", "valid"),
    [
        ("+12125550123", "mobile", True),
        ("+12125550190", "mobile", True),
        ("+15005550010", "landline", True),
        ("+15005550011", "", False),
        ("+15005550012", "nonFixedVoip", True),
    ],
)
def test_the_sandbox_says_mobile_except_its_magic_numbers(number, line_type, valid):
    info = SandboxNumberCheck().check(number)
    assert (info.type, info.valid) == (line_type, valid)


def test_the_sandbox_has_a_number_whose_check_never_answers():
    with pytest.raises(NumberCheckUnavailable):
        SandboxNumberCheck().check("+15005550013")


def test_the_backend_is_chosen_by_settings(settings):
    settings.NUMBER_CHECK_BACKEND = "twilio"
    assert isinstance(number_check(), TwilioLookupCheck)
    settings.NUMBER_CHECK_BACKEND = "sandbox"
    assert isinstance(number_check(), SandboxNumberCheck)
    settings.NUMBER_CHECK_BACKEND = "outreach.number_checks.SandboxNumberCheck"
    assert isinstance(number_check(), SandboxNumberCheck)


def test_the_reassigned_numbers_check_is_pluggable_and_the_sandbox_does_not_know(settings):
    assert isinstance(reassigned_check(), SandboxReassignedCheck)
    answer = reassigned_check().reassigned(MOBILE, dt.date(2024, 1, 5))
    assert answer == Reassigned.UNKNOWN

    settings.REASSIGNED_CHECK_BACKEND = "tests.outreach.test_lookup.AlwaysReassigned"
    assert reassigned_check().reassigned(MOBILE, dt.date(2024, 1, 5)) == Reassigned.YES


class AlwaysReassigned(SandboxReassignedCheck):
    """A deployment's own provider, plugged in by its dotted path."""

    def reassigned(self, e164, consent_date):
        return Reassigned.YES
