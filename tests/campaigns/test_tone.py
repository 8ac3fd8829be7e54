"""The template tone check (campaigns.tone): pure functions, no database."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.tone import (
    BODY_MAX_CHARS,
    PLACEHOLDER_SAMPLE,
    PLACEHOLDERS,
    Finding,
    Severity,
    TemplateError,
    blocking,
    placeholders_unknown,
    render,
    render_problems,
    segments,
    tone_check,
)

OPENER = (
    "Hi {first_name}, it's {coordinator_name} at {practice_name}. "
    "Is this still on your list, or shall we close your file?"
)
CHANNELS = ("sms", "email", "voicemail", "call")
RSQUO = "\u2019"  # the curly apostrophe phones and word processors type


def curly(text: str) -> str:
    return text.replace("'", RSQUO)


# GSM 03.38 as printed in the standard, restated here so the tests check the module's table.
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "\f^{}\\[~]|€"


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def only(findings: list[Finding], code: str) -> Finding:
    [finding] = [f for f in findings if f.code == code]
    return finding


# Clean examples ------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_permission_opener_passes_clean_on_every_channel(channel):
    assert tone_check(OPENER, channel=channel, one_question=True) == []


@pytest.mark.parametrize(
    "body",
    [
        "Hi {first_name}, just checking in from {practice_name}. Would you like us to keep "
        "your file open?",
        "Hi {first_name}, this is my last note from {practice_name}. If the timing isn't "
        "right, no problem at all. Reply STOP to opt out.",
        "{coordinator_name} here from {practice_name}. No rush, there's no need to hurry. "
        "If you need to reschedule, just reply.",
        "Hi {first_name}, sorry we missed you today. It's nothing urgent; call when it suits.",
    ],
)
def test_calm_short_templates_have_no_findings(body):
    assert tone_check(body, one_question=True) == []


def test_sample_names_are_the_documented_worst_case_lengths():
    assert tuple(PLACEHOLDER_SAMPLE) == PLACEHOLDERS
    assert {k: len(v) for k, v in PLACEHOLDER_SAMPLE.items()} == {
        "first_name": 12,
        "practice_name": 24,
        "coordinator_name": 12,
    }


# Segments ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("GSM-7", 0, 0)),
        ("a" * 160, ("GSM-7", 160, 1)),
        ("a" * 161, ("GSM-7", 161, 2)),
        ("a" * 306, ("GSM-7", 306, 2)),  # 153 per part
        ("a" * 307, ("GSM-7", 307, 3)),
        (RSQUO * 70, ("UCS-2", 70, 1)),
        (RSQUO * 71, ("UCS-2", 71, 2)),
        (RSQUO * 134, ("UCS-2", 134, 2)),  # 67 per part
        (RSQUO * 135, ("UCS-2", 135, 3)),
    ],
)
def test_segment_limits_are_160_and_153_for_gsm_70_and_67_for_ucs2(text, expected):
    assert segments(text) == expected


@pytest.mark.parametrize("char", list(GSM_EXTENSION))
def test_gsm_extension_characters_count_as_two(char):
    assert segments(char * 80) == ("GSM-7", 160, 1)
    assert segments("a" + char * 80) == ("GSM-7", 161, 2)


def test_an_escape_pair_is_never_split_across_parts():
    # 152 + 2 + 152 = 306 units would fit two parts of 153 if "€" could be split; it can't.
    assert segments("a" * 152 + "€" + "a" * 152) == ("GSM-7", 306, 3)


def test_an_emoji_counts_as_two_utf16_units():
    assert segments("🙂") == ("UCS-2", 2, 1)
    assert segments("a" * 68 + "🙂") == ("UCS-2", 70, 1)
    assert segments("a" * 69 + "🙂") == ("UCS-2", 71, 2)


@pytest.mark.parametrize(
    ("char", "encoding"),
    [
        ("é", "GSM-7"),
        ("ñ", "GSM-7"),
        ("Ç", "GSM-7"),
        ("'", "GSM-7"),
        ("ç", "UCS-2"),
        ("á", "UCS-2"),
        (RSQUO, "UCS-2"),
        ("\u201c", "UCS-2"),
        ("\u00a0", "UCS-2"),
        ("\x1b", "UCS-2"),  # the escape code itself is not a character
    ],
)
def test_encoding_follows_the_gsm_table(char, encoding):
    assert segments(f"Hi {char}")[0] == encoding


def test_length_is_measured_with_worst_case_names_and_says_so():
    # "{first_name} " renders as 13 characters with the 12-letter sample.
    assert tone_check("{first_name} " + "x" * 147) == []

    finding = only(tone_check("{first_name} " + "x" * 148), "segments")

    assert finding.severity is Severity.WARNING
    assert finding.message == (
        "Over one text segment with a 12-letter first name: 161 of 160 characters (GSM-7), "
        "so it is sent as 2 segments."
    )


def test_a_curly_apostrophe_forcing_ucs2_is_named():
    finding = only(tone_check(curly(OPENER)), "segments")

    assert finding.message.startswith(
        f'"{RSQUO}" (RIGHT SINGLE QUOTATION MARK) forces UCS-2, so one segment is 70 characters; '
        "this text is 120 with a 12-letter first name, a 24-character practice name and a "
        "12-letter coordinator name, so it is sent as 2 segments."
    )
    assert "straight apostrophe" in finding.message
    assert finding.excerpt == RSQUO


def test_an_emoji_forcing_ucs2_is_named():
    finding = only(
        tone_check("Thanks for getting back to us, we appreciate it a lot 🙂 " * 2), "segments"
    )

    assert finding.message.startswith('"🙂" (SLIGHTLY SMILING FACE) forces UCS-2')


@pytest.mark.parametrize("channel", ["email", "voicemail", "call"])
def test_length_only_matters_for_texts(channel):
    assert tone_check("Hello there. " * 40, channel=channel) == []


# Questions -----------------------------------------------------------------------------------


def test_two_questions_warn_where_the_step_asks_for_one():
    body = "Still interested? Or shall we close your file?"

    finding = only(tone_check(body, one_question=True), "questions")

    assert finding.severity is Severity.WARNING
    assert finding.message.startswith("2 questions")
    assert finding.excerpt == "Still interested? / Or shall we close your file?"


def test_several_questions_are_fine_when_the_step_does_not_ask_for_one():
    assert tone_check("Still interested? Or shall we close your file?") == []


def test_repeated_question_marks_are_one_question():
    assert tone_check("Still on your list??", one_question=True) == []


def test_question_marks_inside_placeholders_are_not_questions():
    assert "questions" not in codes(tone_check("Hi {first_name?}. Still keen?", one_question=True))


# Pressure and guilt --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        ("This is your last chance to book.", "last chance"),
        ("Act now and save your spot.", "Act now"),
        ("A limited-time opening for you.", "limited-time"),
        (curly("We haven't heard from you in a while."), curly("We haven't heard from you")),
        ("We havent heard from you.", "We havent heard from you"),
        ("Don't miss out on this.", "Don't miss out"),
        ("Final notice from the office.", "Final notice"),
        ("Our offer expires today.", "expires today"),
        ("Hurry, please.", "Hurry"),
        ("An urgent message for you.", "urgent"),
        ("Only a few spots left this month.", "Only a few spots left"),
        (curly("You still haven't booked."), curly("You still haven't")),
        ("Why haven't you called back?", "Why haven't you"),
        ("You need to book soon.", "You need to"),
        (curly("Book before it's too late."), curly("before it's too late")),
        (curly("Don't wait on this."), curly("Don't wait")),
        ("You ignored our messages.", "ignored our"),
        ("Please book now.", "book now"),
        ("You missed your appointment.", "You missed your"),
    ],
)
def test_pressure_and_guilt_phrases_warn(body, excerpt):
    finding = only(tone_check(body, channel="email"), "pressure")

    assert finding.severity is Severity.WARNING
    assert finding.excerpt == excerpt
    assert f'"{excerpt}"' in finding.message


def test_each_pressure_phrase_is_listed_once():
    finding = only(tone_check("Last chance! Really, last chance. Act now."), "pressure")

    assert finding.excerpt == "Last chance, Act now"


@pytest.mark.parametrize(
    "body",
    [
        "No rush, no need to hurry.",
        "It's nothing urgent.",
        "If you need to reschedule, just reply.",
        "Sorry we missed you.",
        "Is this still on your list?",
        "We are happy to help, now or later.",
    ],
)
def test_calm_wording_near_pressure_words_does_not_warn(body):
    assert "pressure" not in codes(tone_check(body))


# ALL CAPS ------------------------------------------------------------------------------------


def test_all_caps_words_warn():
    finding = only(tone_check("Please CALL us, it is IMPORTANT. DON'T forget!"), "caps")

    assert finding.severity is Severity.WARNING
    assert finding.excerpt == "CALL, IMPORTANT, DON'T"


@pytest.mark.parametrize(
    "body",
    [
        "Reply STOP to opt out, HELP for help.",
        "Dr. Lee, DDS, and Dr. Park, DMD, MD.",
        "We open at 9 AM EST.",
        "Sounds OK? See our FAQ.",
        "Hi, I am in the USA.",  # two-letter words and "I" are never shouting
    ],
)
def test_acronyms_and_compliance_keywords_are_not_shouting(body):
    assert "caps" not in codes(tone_check(body))


# Clinical details and amounts ----------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    [
        "implant",
        "dental implants",
        "root canal",
        "crown",
        "veneers",
        "Invisalign",
        "braces",
        "gum disease",
        "cavities",
        "Botox",
        "lip filler",
        "liposuction",
        "facelift",
        "face-lift",
        "rhinoplasty",
        "breast augmentation",
        "tummy tuck",
        "diabetes",
        "biopsy",
        "pregnancy",
        "HIV",
        "colonoscopy",
    ],
)
def test_clinical_details_warn_in_a_text(term):
    finding = only(tone_check(f"About your {term}: is it still on your list?"), "clinical")

    assert finding.severity is Severity.WARNING
    assert finding.excerpt == term


def test_clinical_details_warn_in_a_voicemail_too():
    finding = only(tone_check("About your root canal.", channel="voicemail"), "clinical")

    assert "voicemail" in finding.message


@pytest.mark.parametrize("channel", ["email", "call"])
def test_clinical_details_and_amounts_are_not_checked_off_sms_and_voicemail(channel):
    assert tone_check("Your implant quote was $1,200.", channel=channel) == []


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        ("Your quote was $1,200, as discussed.", "$1,200"),
        ("About 1200 dollars in total.", "1200 dollars"),
        ("That is USD 300.", "USD 300"),
        ("Only €50 today.", "€50"),
        ("Now 20% off for you.", "20% off"),
        ("Save 15 percent this month.", "Save 15 percent"),
        ("Around $2k.", "$2k"),
    ],
)
def test_amounts_warn_in_a_text(body, excerpt):
    finding = only(tone_check(body), "amount")

    assert finding.severity is Severity.WARNING
    assert finding.excerpt == excerpt


@pytest.mark.parametrize(
    "body",
    ["Call us at 555-0123.", "It takes 2 minutes.", "We are open 9 to 5.", "Reply 1 or 2."],
)
def test_plain_numbers_are_not_amounts(body):
    assert "amount" not in codes(tone_check(body))


# Placeholders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("Hi {firstname}", "placeholder"),
        ("Hi {patient}", "placeholder"),
        ("Hi {0}", "placeholder"),
        ("Hi {}", "placeholder"),
        ("Hi {first_name.upper}", "placeholder"),
        ("Hi {first_name", "placeholder_syntax"),
        ("Hi first_name}", "placeholder_syntax"),
        ("Hi {first_name!r}", "placeholder_syntax"),
        ("Hi {first_name:>20}", "placeholder_syntax"),
    ],
)
def test_unknown_or_malformed_placeholders_block_saving_and_rendering(body, code):
    findings = tone_check(body)

    assert codes(blocking(findings)) == [code]
    with pytest.raises(ValueError):
        render(body, PLACEHOLDER_SAMPLE)


def test_unknown_placeholder_message_lists_names_hints_and_allowed_ones():
    finding = only(tone_check("Hi {firstname}, from {clinic}."), "placeholder")

    assert finding.message == (
        "Unknown placeholders {firstname} (did you mean {first_name}?), {clinic}. "
        "Only {first_name}, {practice_name}, {coordinator_name} can be filled in."
    )
    assert finding.excerpt == "{firstname}, {clinic}"


def test_blocking_findings_come_first():
    findings = tone_check("LAST CHANCE {patient}")

    assert codes(findings) == ["placeholder", "pressure", "caps"]
    assert codes(blocking(findings)) == ["placeholder"]


def test_placeholders_unknown_lists_each_name_once_in_order():
    body = "{patient} {first_name} {0} {patient} {{literal}}"

    assert placeholders_unknown(body) == ["patient", "0"]


def test_doubled_braces_are_literal_and_allowed():
    body = "Write {{ and }} as is, or {{first_name}} to show the name tag."

    assert tone_check(body) == []
    assert render(body, {}) == "Write { and } as is, or {first_name} to show the name tag."


def test_render_fills_the_known_names():
    values = {"first_name": "Ana", "practice_name": "Harbor Dental", "coordinator_name": "Sam"}

    assert render(OPENER, values) == (
        "Hi Ana, it's Sam at Harbor Dental. Is this still on your list, or shall we close "
        "your file?"
    )


def test_render_does_not_reinterpret_braces_in_values():
    assert render("Hi {first_name}", {"first_name": "{practice_name}"}) == "Hi {practice_name}"


def test_render_raises_when_a_used_name_has_no_value():
    with pytest.raises(ValueError, match="coordinator_name"):
        render("From {coordinator_name}", {"first_name": "Ana", "patient": "x"})


def test_a_subject_that_cannot_render_is_refused_with_a_clear_message():
    [problem] = render_problems("News for {first_name.__class__}")

    assert problem.startswith("Unknown placeholder {first_name.__class__}.")
    assert "Only {first_name}, {practice_name}, {coordinator_name} can be filled in." in problem
    with pytest.raises(TemplateError):
        render("News for {first_name.__class__}", PLACEHOLDER_SAMPLE)


def test_words_that_render_have_no_problems():
    assert render_problems("") == render_problems("News for {first_name} {{soon}}") == []


# Size: the editor checks as the admin types, whatever is pasted -----------------------------


def _hundred_kb(unit: str) -> str:
    return (unit * (100_000 // len(unit) + 1))[:100_000]


@pytest.mark.parametrize(
    "body",
    [
        # One long sentence with no "?" on a one-question step took 82 s (quadratic).
        _hundred_kb("Hi {first_name}, it's {coordinator_name} at {practice_name}, still on "),
        _hundred_kb("1"),  # a run of digits: each start was read to its end as an amount
        _hundred_kb("1,000"),
        _hundred_kb("- $"),
        _hundred_kb("{a"),
        _hundred_kb("LAST chance a'"),
    ],
    ids=["prose", "digits", "thousands", "symbols", "stray braces", "words"],
)
def test_the_tone_check_of_a_100_kb_body_takes_well_under_a_second(body):
    start = time.perf_counter()
    tone_check(body, channel="sms", one_question=True)

    # About 0.2 s here, against 82 s for the prose before; a generous bound for a busy CI.
    assert time.perf_counter() - start < 1


def test_a_body_over_the_cap_is_refused():
    findings = tone_check("Is this still on your list? " * 200)

    assert codes(blocking(findings)) == ["too_long"]
    assert blocking(findings)[0].message == (
        f"The message is 5,600 characters; the limit is {BODY_MAX_CHARS:,}. "
        "Keep it to a few short lines."
    )


def test_a_body_at_the_cap_is_not_too_long():
    assert "too_long" not in codes(tone_check("a" * BODY_MAX_CHARS))


# Empty bodies and channels -------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
def test_an_empty_body_blocks(body):
    assert tone_check(body) == [Finding("empty", Severity.BLOCKING, "The message is empty.")]


def test_an_unknown_channel_is_a_programming_error():
    with pytest.raises(ValueError, match="fax"):
        tone_check("Hi", channel="fax")


def test_severity_values_are_plain_strings():
    assert (Severity.WARNING, Severity.BLOCKING) == ("warning", "blocking")


# Properties ----------------------------------------------------------------------------------

TRICKY_CHARS = [*"aZ ?{}'!€[]^~|\\\f\né🙂çΔ", RSQUO]
TRICKY = [*TRICKY_CHARS, "{first_name}", "{patient}", "{{", "}}"]


@settings(max_examples=200, deadline=None)
@given(
    body=st.lists(st.sampled_from(TRICKY) | st.text(max_size=5), max_size=40).map("".join),
    channel=st.sampled_from(CHANNELS),
    one_question=st.booleans(),
)
def test_tone_check_never_raises_on_any_text(body, channel, one_question):
    findings = tone_check(body, channel=channel, one_question=one_question)

    assert all(isinstance(f, Finding) and isinstance(f.severity, Severity) for f in findings)


@settings(max_examples=300, deadline=None)
# Lone surrogates cannot reach us: a browser form or a webhook body is valid text.
@given(
    text=st.text(
        alphabet=st.sampled_from(TRICKY_CHARS) | st.characters(exclude_categories=("Cs",)),
        max_size=400,
    )
)
def test_segments_agree_with_a_simple_reference_count(text):
    gsm = all(c in GSM_BASIC or c in GSM_EXTENSION for c in text)
    if gsm:
        units = len(text) + sum(c in GSM_EXTENSION for c in text)
        single, per_part = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, per_part = 70, 67

    encoding, length, parts = segments(text)

    assert (encoding, length) == ("GSM-7" if gsm else "UCS-2", units)
    if units <= single:
        assert parts == (1 if units else 0)
    elif units == len(text):
        # One unit per character: plain division.
        assert parts == math.ceil(units / per_part)
    else:
        # Two-unit characters are never split, which can cost at most one unit per part.
        assert math.ceil(units / per_part) <= parts <= math.ceil(units / (per_part - 1))
