"""Cleaning messy export values (contacts.hygiene): pure functions, no database. Phones are
in test_phones.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts import hygiene
from contacts.dates import date_parse
from contacts.hygiene import (
    OUTCOMES,
    amount_parse,
    email_normalize,
    flag_parse,
    name_key,
    name_normalize,
    outcome_key,
    outcome_normalize,
    surname_key,
)

# Emails --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "bob@example.com",
        "  Bob@Example.COM  ",
        "<bob@example.com>",
        "mailto:Bob@Example.com",
        "<mailto:bob@example.com>",
        "Bob Smith <BOB@example.com>",
        "bob@example.com.",
    ],
)
def test_email_is_unwrapped_and_lowercased(raw):
    result = email_normalize(raw)

    assert (result.normalized, result.valid, result.problem) == ("bob@example.com", True, "")
    assert result.raw == raw.strip()


@pytest.mark.parametrize("raw", ["bob@@x", "bob", "bob@example", "bob smith@example.com"])
def test_email_invalid_keeps_its_text_with_a_problem(raw):
    result = email_normalize(raw)

    assert (result.normalized, result.valid) == (raw.lower(), False)
    assert result.problem == f"email '{raw}' is not valid"


@pytest.mark.parametrize("raw", [None, "", "  ", "n/a"])
def test_email_blank_is_invalid_without_a_problem(raw):
    assert email_normalize(raw) == hygiene.EmailResult((raw or "").strip(), "", False, "")


def test_email_two_addresses_keep_the_first_and_say_so():
    result = email_normalize("a@example.com; b@example.com")

    assert (result.normalized, result.valid) == ("a@example.com", True)
    assert "holds 2 addresses; kept the first" in result.problem


# Names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MARY-JANE O'NEIL", "Mary-Jane O'Neil"),
        ("mary-jane o'neil", "Mary-Jane O'Neil"),
        ("mcdonald", "Mcdonald"),
        ("JOHN SMITH III", "John Smith III"),
        ("  Ann    Lee ", "Ann Lee"),
        ("DeAndre", "DeAndre"),
        ("McKay", "McKay"),
        ("van der Berg", "van der Berg"),
        ("JOSÉ", "José"),
        (None, ""),
    ],
)
def test_name_case_is_fixed_only_when_all_capitals_or_all_lower(raw, expected):
    assert name_normalize(raw) == expected


def test_name_key_ignores_case_accents_and_punctuation():
    assert (
        name_key("José", "García-López") == name_key("JOSE", "garcia lopez") == "jose|garcialopez"
    )


def test_name_key_keeps_non_latin_letters_so_different_names_differ():
    assert name_key("Мария", "Иванова") != name_key("Анна", "Петрова")


@pytest.mark.parametrize(("first", "last"), [("", ""), ("  ", None), ("123", "--"), (None, "?!")])
def test_a_name_without_letters_has_no_name_key(first, last):
    # "|" for every blank name would make all nameless rows "matching names".
    assert name_key(first, last) == ""


def test_one_name_is_enough_for_a_name_key():
    assert name_key("", "Smith") == "|smith"
    assert name_key("Cher", "") == "cher|"


@pytest.mark.parametrize(("one", "two"), [("Smith", "Smyth"), ("Müller", "Muller")])
def test_surname_key_matches_similar_spellings(one, two):
    assert surname_key(one) == surname_key(two) != ""


def test_surname_key_is_blank_for_a_blank_surname():
    assert surname_key("") == ""


# Outcomes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NS", "no_show"),
        ("N/S", "no_show"),
        ("No Show", "no_show"),
        ("no-show", "no_show"),
        ("noshow", "no_show"),
        ("missed appt", "no_show"),
        ("FTA", "no_show"),
        ("Didn't show", "no_show"),
        ("cancelled", "canceled"),
        ("canceled", "canceled"),
        ("cxl", "canceled"),
        ("CX", "canceled"),
        ("pt cancelled", "canceled"),
        ("Patient cancelled appt", "canceled"),
        ("Tx plan presented", "treatment_plan"),
        ("treatment plan", "treatment_plan"),
        ("TP", "treatment_plan"),
        ("consult - no book", "treatment_plan"),
        ("consult no schedule", "treatment_plan"),
        ("quoted", "treatment_plan"),
        ("not interested right now", "not_now"),
        ("not now", "not_now"),
        ("maybe later", "not_now"),
        ("call back later", "not_now"),
        ("timing", "not_now"),
        ("inquiry", "inquiry"),
        ("lead", "inquiry"),
        ("web inquiry", "inquiry"),
        ("new lead", "inquiry"),
        ("called - no appt", "inquiry"),
        ("scheduled", "scheduled"),
        ("booked", "scheduled"),
        ("appt made", "scheduled"),
        ("confirmed", "scheduled"),
        ("Consult scheduled", "scheduled"),
        ("treatment_plan", "treatment_plan"),  # our own export read back
        ("not interested", "unknown"),  # a refusal, not "not now"
        ("blue", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_outcome_words_map_to_one_outcome(raw, expected):
    assert outcome_normalize(raw) == expected


def test_outcome_practice_synonyms_come_first_and_override_built_ins():
    extra = {outcome_key("Pending!"): "treatment_plan", outcome_key("N.S."): "scheduled"}

    assert outcome_normalize("PENDING", extra) == "treatment_plan"
    assert outcome_normalize("n/s", extra) == "scheduled"
    assert outcome_normalize("no show", extra) == "no_show"


def test_outcome_practice_synonym_to_an_unknown_outcome_is_ignored():
    assert outcome_normalize("NS", {"ns": "nonsense"}) == "no_show"


def test_outcome_key_lowercases_and_turns_punctuation_to_spaces():
    assert outcome_key("  No-Show!! (Pt) ") == "no show pt"


def test_outcome_synonyms_are_keyed_and_point_at_outcomes():
    for key, outcome in hygiene.OUTCOME_SYNONYMS.items():
        assert outcome_key(key) == key
        assert outcome in OUTCOMES


# Flags ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        *("Y", "Yes", "1", "1.0", "true", "TRUE", "t", "x", "X"),
        *("DNC", "do not contact", "Opt-Out", "opted out", "DNC - patient request", "Deceased"),
    ],
)
def test_flag_do_not_contact_values_are_true(raw):
    assert flag_parse(raw) is True


@pytest.mark.parametrize("raw", [None, "", "  ", "N", "No", "0", "false", "FALSE", "n/a"])
def test_flag_blank_and_no_values_are_false(raw):
    assert flag_parse(raw) is False


# Dates ---------------------------------------------------------------------------------------

MARCH_5 = dt.date(2024, 3, 5)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-03-05",
        "2024-03-05 14:30:00",
        "2024-03-05T23:30:00-05:00",
        "3/5/2024 10:00 PT",  # a zone name dateutil doesn't know
        "03/05/2024",
        "3/5/24",
        "March 5, 2024",
        "5-Mar-2024",
        "20240305",
        dt.date(2024, 3, 5),
        dt.datetime(2024, 3, 5, 14, 30),  # XLSX cells are naive datetimes
        45356,  # Excel serial date
        45356.5,
        "45356",
        "45356.0",
    ],
)
def test_date_formats_all_read_as_the_same_day(raw):
    assert date_parse(raw) == (MARCH_5, "")


def test_date_dayfirst_reads_day_before_month():
    assert date_parse("05/03/2024", dayfirst=True) == (MARCH_5, "")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("soon", "date 'soon' not understood"),
        ("2024", "date '2024' has no month or day"),
        ("March 2024", "date 'March 2024' has no day"),
        ("3/5/2204", "date '3/5/2204' is out of range"),
        ("13/45/2024", "date '13/45/2024' not understood"),
        (0, "date '0' not understood"),
        (90000, "date '90000' not understood"),
    ],
)
def test_date_garbage_is_none_with_a_problem(raw, problem):
    assert date_parse(raw) == (None, problem)


@pytest.mark.parametrize("raw", [None, "", "  ", "N/A", float("nan")])
def test_date_blank_is_none_without_a_problem(raw):
    assert date_parse(raw) == (None, "")


# Amounts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("$4,500.00", "4500.00"),
        ("4500", "4500.00"),
        ("4.5k", "4500.00"),
        ("4.5K", "4500.00"),
        ("USD 1,200", "1200.00"),
        ("1,200 dollars", "1200.00"),
        ("$1,200.505", "1200.51"),
        (4500, "4500.00"),
        (4500.5, "4500.50"),
        (Decimal("12.3"), "12.30"),
    ],
)
def test_amount_reads_money_as_decimal_cents(raw, expected):
    assert amount_parse(raw) == (Decimal(expected), "")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("call", "amount 'call' not understood"),
        ("3000-5000", "amount '3000-5000' not understood"),
        ("4,5", "amount '4,5' not understood"),
        ("-500", "amount '-500' is negative"),
        ("(1,200)", "amount '(1,200)' is negative"),
        ("100000000", "amount '100000000' is too large"),  # beyond DecimalField(10, 2)
        ("99999999.999", "amount '99999999.999' is too large"),  # rounds up past the limit
        ("1" + "0" * 30, f"amount '1{'0' * 30}' is too large"),
    ],
)
def test_amount_garbage_is_none_with_a_problem(raw, problem):
    assert amount_parse(raw) == (None, problem)


@pytest.mark.parametrize("raw", [None, "", "N/A"])
def test_amount_blank_is_none_without_a_problem(raw):
    assert amount_parse(raw) == (None, "")


# Robustness ----------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=40))
def test_no_cleaner_raises_on_any_text(text):
    email_normalize(text)
    name_key(name_normalize(text), text)
    surname_key(text)
    assert outcome_normalize(text) in OUTCOMES
    flag_parse(text)
    date_parse(text)
    amount_parse(text)
