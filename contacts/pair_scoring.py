"""How alike two contacts are, field by field, in words and as one calibrated score.

Each field is compared to a level ("same birth date", "day and month swapped", "first
names differ"...). Each level adds a weight to a raw score (evidence for is positive,
against is negative, a blank field is neither); the raw score becomes a calibrated one,
the share of true duplicates among generated pairs with that raw score, from the table
``benchmarks/dedupe_calibrate.py`` writes (``rules/duplicate_calibration.json``). So a
pair shown at 90% is one of a kind of pair that was the same person nine times in ten.

Family members share a surname, an address and often a phone and email; what tells one
person filed twice from a household is the first name and the birth date. The weights
are set so that a household with different first names and birth dates reads well below
a person with two charts, whatever they share.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from contacts import hygiene

RULES = Path(__file__).resolve().parent / "rules"
NICKNAMES_FILE = RULES / "nicknames.json"
CALIBRATION_FILE = RULES / "duplicate_calibration.json"
NAME_LIKE = 0.88  # Jaro-Winkler similarity at and above which two names are one typo apart
NAMES_SHOWN = 30  # characters of a name quoted in the evidence


class Pairable(Protocol):
    first_name: str
    last_name: str
    phone: str
    email: str
    date_of_birth: dt.date | None
    postal_code: str
    address: str
    addr_key: str
    street_key: str


# --- Weights: evidence for (+) and against (-) one person, per field and level ---------

FIRST_NAME = {
    "same": 4.0,
    "accents": 4.0,
    "nickname": 3.0,
    "typo": 2.0,
    "two_typos": 0.5,
    "initial": 0.5,
    "missing": 0.0,
    "different": -4.0,
}
LAST_NAME = {
    "same": 3.5,
    "accents": 3.5,
    "typo": 2.5,
    "two_typos": 1.0,
    "missing": 0.0,
    "different": -3.0,
}
SWAPPED_NAMES = -0.5  # first and last written the other way round: a little less sure
BIRTH_DATE = {
    "same": 6.0,
    "day_month_swapped": 4.5,
    "one_digit": 3.5,
    "year_one_digit": 3.5,
    "digits_swapped": 3.0,
    "two_digits": 1.0,
    "missing": 0.0,
    "different": -4.5,
}
ADDRESS = {
    "same": 2.0,
    "similar": 1.5,
    "same_street": 1.0,
    "house_number_typo": 0.5,
    "same_postal_code": 0.5,
    "missing": 0.0,
    "different": -1.0,
}
SHARED_PHONE = 1.5
SHARED_EMAIL = 2.5


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two contacts compared: the level per field and the raw score; ``evidence`` says it
    in words (written only for the pairs that are kept: most compared pairs are not)."""

    a: Pairable
    b: Pairable
    first_name: str
    last_name: str
    swapped: bool
    birth_date: str
    address: str
    phone: bool
    email: bool
    raw: float

    @property
    def corroborated(self) -> bool:
        """More than names alike: a town has many John Smiths. The birth date, address,
        phone or email agree, or nearly, or at least the postal code."""
        return self.phone or self.email or _corroborated(self.birth_date, self.address)

    @property
    def evidence(self) -> str:
        return _evidence(self)


def _corroborated(birth: str, address: str) -> bool:
    return birth not in ("missing", "different") or address in CORROBORATING_ADDRESS


CORROBORATING_ADDRESS = frozenset(
    {"same", "similar", "same_street", "house_number_typo", "same_postal_code"}
)
BEST_NAMES = max(FIRST_NAME.values()) + max(LAST_NAME.values())
BEST_REST = BEST_NAMES + max(ADDRESS.values())  # the best all but the birth date can add


# --- Names ----------------------------------------------------------------------------


def folded(name: str) -> str:
    """A name's letters, lower case with accents folded: "José" and "Jose" are one name."""
    return hygiene.name_key(name or "", "")[:-1]


@lru_cache(maxsize=1)
def nickname_groups() -> dict[str, frozenset[int]]:
    """Folded first name → the groups (of ``rules/nicknames.json``) it belongs to."""
    groups: dict[str, set[int]] = {}
    data = json.loads(NICKNAMES_FILE.read_text(encoding="utf-8"))
    for number, names in enumerate(data["groups"]):
        for name in names:
            groups.setdefault(folded(name), set()).add(number)
    return {name: frozenset(numbers) for name, numbers in groups.items()}


@lru_cache(maxsize=hygiene.CACHE_SIZE)
def _name_level(raw_a: str, raw_b: str, *, first: bool) -> str:
    a, b = folded(raw_a), folded(raw_b)
    if not a or not b:
        return "missing"
    if a == b:
        return "same" if raw_a.strip().casefold() == raw_b.strip().casefold() else "accents"
    if first and _nicknames(a, b):
        return "nickname"
    # One typo: a letter wrong, missing, added or two swapped; or alike by Jaro-Winkler
    # (which forgives a typo near the end of a long name more than one near the start).
    distance = DamerauLevenshtein.distance(a, b, score_cutoff=3)
    if distance <= 1 or JaroWinkler.similarity(a, b) >= NAME_LIKE:
        return "typo"
    if first and (len(a) == 1 or len(b) == 1) and a[0] == b[0]:
        return "initial"
    if distance == 2 and min(len(a), len(b)) >= 5:
        return "two_typos"  # two records each with a typo of their own
    if first and (_nicknames(a, b, typo=True)):
        return "nickname"
    return "different"


def _nicknames(a: str, b: str, *, typo: bool = False) -> bool:
    """Two forms of one first name (``rules/nicknames.json``); ``typo``: either may have a
    typo ("Nicyolas" / "Nick")."""
    groups = nickname_groups()
    if groups.get(a, frozenset()) & groups.get(b, frozenset()):
        return True
    if not typo:
        return False
    for name, other in ((a, b), (b, a)):
        mine = groups.get(other, frozenset())
        if mine and any(
            DamerauLevenshtein.distance(name, form, score_cutoff=1) <= 1
            for form, theirs in groups.items()
            if theirs & mine
        ):
            return True
    return False


def _names(a: Pairable, b: Pairable) -> tuple[str, str, bool]:
    """(first name level, last name level, written the other way round)."""
    straight = (
        _name_level(a.first_name, b.first_name, first=True),
        _name_level(a.last_name, b.last_name, first=False),
    )
    crossed = (
        _name_level(a.first_name, b.last_name, first=True),
        _name_level(a.last_name, b.first_name, first=False),
    )
    weight = FIRST_NAME[straight[0]] + LAST_NAME[straight[1]]
    crossed_weight = FIRST_NAME[crossed[0]] + LAST_NAME[crossed[1]] + SWAPPED_NAMES
    if "missing" not in crossed and crossed_weight > weight:
        return crossed[0], crossed[1], True
    return straight[0], straight[1], False


# --- Birth dates ----------------------------------------------------------------------


def birth_date_level(a: dt.date | None, b: dt.date | None) -> str:
    if a is None or b is None:
        return "missing"
    if a == b:
        return "same"
    if a.year != b.year and a.month not in (b.month, b.day) and a.day not in (b.day, b.month):
        return "different"  # three parts differ, read either way: three digits at least
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return "day_month_swapped"
    sa = f"{a.year:04d}{a.month:02d}{a.day:02d}"
    sb = f"{b.year:04d}{b.month:02d}{b.day:02d}"
    differing = [i for i in range(8) if sa[i] != sb[i]]
    if len(differing) == 1:
        return "year_one_digit" if differing[0] < 4 else "one_digit"
    if len(differing) == 2 and differing[1] == differing[0] + 1:
        i = differing[0]
        if sa[i] == sb[i + 1] and sa[i + 1] == sb[i]:
            return "digits_swapped"
    # Two records each with an error of their own: two digits, or a swap and a digit.
    swapped = f"{sb[:4]}{sb[6:]}{sb[4:6]}"
    if len(differing) == 2 or sum(x != y for x, y in zip(sa, swapped, strict=True)) == 1:
        return "two_digits"
    return "different"


# --- Addresses ------------------------------------------------------------------------


@lru_cache(maxsize=hygiene.CACHE_SIZE)
def _street(address: str) -> tuple[str, str]:
    """(house number, the street's words) of an address, lower case, punctuation gone."""
    words = "".join(c if c.isalnum() else " " for c in address.casefold()).split()
    if words and any(c.isdigit() for c in words[0]):
        return words[0], " ".join(words[1:])
    return "", " ".join(words)


def address_level(a: Pairable, b: Pairable) -> str:
    if a.addr_key and a.addr_key == b.addr_key:
        return "same"
    if not (a.address and b.address):
        if a.postal_code and a.postal_code == b.postal_code:
            return "same_postal_code"
        return "missing"
    # House numbers first, as ``street_key`` holds them (read without parsing either
    # address): most pairs a block offers live at different numbers.
    key_a, key_b = a.street_key.partition("|")[0], b.street_key.partition("|")[0]
    if key_a != key_b and DamerauLevenshtein.distance(key_a, key_b, score_cutoff=2) > 1:
        return "different"
    (number_a, street_a), (number_b, street_b) = _street(a.address), _street(b.address)
    # A house number with one digit wrong, missing or two swapped ("24" / "42") is a typo
    # when the street agrees.
    if not number_a or DamerauLevenshtein.distance(number_a, number_b, score_cutoff=2) > 1:
        return "different"  # two homes, in one postal code or not
    alike = JaroWinkler.similarity(street_a, street_b) >= NAME_LIKE
    same_postal = bool(a.postal_code) and a.postal_code == b.postal_code
    if alike and number_a != number_b:
        return "house_number_typo"
    if alike:
        return "similar" if same_postal or not (a.postal_code and b.postal_code) else "same_street"
    return "different"  # two homes, in one postal code or not


# --- The pair -------------------------------------------------------------------------


def _quoted(a: str, b: str) -> str:
    return f"{a.strip()[:NAMES_SHOWN]} / {b.strip()[:NAMES_SHOWN]}"


FIRST_WORDS = {
    "same": "same first name",
    "accents": "same first name, accents differ",
    "nickname": "first names {} — a nickname of one name",
    "typo": "first names {} — one typo apart",
    "two_typos": "first names {} — two typos apart",
    "initial": "first name given as an initial",
}
LAST_WORDS = {
    "same": "same last name",
    "accents": "same last name, accents differ",
    "typo": "last names {} — one typo apart",
    "two_typos": "last names {} — two typos apart",
    "different": "last names differ: {}",
}
BIRTH_WORDS = {
    "same": "same birth date",
    "day_month_swapped": "birth dates with day and month swapped",
    "one_digit": "birth dates one digit apart",
    "year_one_digit": "birth years one digit apart",
    "digits_swapped": "birth dates with two digits swapped",
    "two_digits": "birth dates two digits apart",
    "different": "different birth dates",
}
ADDRESS_WORDS = {
    "same": "same address",
    "similar": "similar address",
    "same_street": "same street and number, other postal code",
    "house_number_typo": "same street, house numbers one digit apart",
    "same_postal_code": "same postal code",
    "different": "different addresses",
}


def pair_compare(a: Pairable, b: Pairable, *, at_least: float | None = None) -> Comparison | None:
    """Compare two contacts field by field: levels and raw score.

    ``at_least``: a raw score below which the pair is of no interest unless it shares a
    phone or email. Such a pair that is not corroborated (``Comparison.corroborated``),
    or could not reach ``at_least`` even with the best names, gives None without its
    names being compared (most pairs a block offers, and the names cost the most)."""
    phone = bool(a.phone) and a.phone == b.phone
    email = bool(a.email) and a.email == b.email
    shown_anyway = phone or email
    if at_least is not None and not shown_anyway and not (a.addr_key and a.addr_key == b.addr_key):
        # Most pairs a block offers: birth dates whose year, month and day all differ
        # (birth_date_level's first test, inline), at different addresses.
        da, db = a.date_of_birth, b.date_of_birth
        if (
            da is not None
            and db is not None
            and da.year != db.year
            and da.month != db.month
            and da.month != db.day
            and da.day != db.day
            and da.day != db.month
            and only_same_address("different", at_least)
        ):
            return None
    birth = birth_date_level(a.date_of_birth, b.date_of_birth)
    if at_least is not None and not shown_anyway:
        if BIRTH_DATE[birth] + BEST_REST < at_least:
            return None  # birth dates too far apart for anything else to make up
        if only_same_address(birth, at_least) and not (a.addr_key and a.addr_key == b.addr_key):
            return None  # only the same address could make up for the birth dates
    address = address_level(a, b)
    partial = BIRTH_DATE[birth] + ADDRESS[address]
    partial += (SHARED_PHONE if phone else 0.0) + (SHARED_EMAIL if email else 0.0)
    if (
        at_least is not None
        and not shown_anyway
        and (not _corroborated(birth, address) or partial + BEST_NAMES < at_least)
    ):
        return None
    first, last, swapped = _names(a, b)
    raw = partial + FIRST_NAME[first] + LAST_NAME[last] + (SWAPPED_NAMES if swapped else 0.0)
    return Comparison(a, b, first, last, swapped, birth, address, phone, email, raw)


@lru_cache(maxsize=64)
def only_same_address(birth: str, at_least: float) -> bool:
    """Whether a pair of birth date level ``birth`` (no phone or email shared) reaches
    ``at_least`` and is corroborated only with the same address ("same": equal
    ``addr_key``, read without comparing the addresses): most pairs a block offers have
    different birth dates and live apart."""
    enough = [
        level
        for level, weight in ADDRESS.items()
        if BIRTH_DATE[birth] + weight + BEST_NAMES >= at_least and _corroborated(birth, level)
    ]
    return enough == ["same"]


def _evidence(c: Comparison) -> str:
    """The evidence in words, for first, then against."""
    a, b = c.a, c.b
    first, last, birth, address = c.first_name, c.last_name, c.birth_date, c.address
    # Quoted names: the way each record wrote the compared name.
    b_first, b_last = (b.last_name, b.first_name) if c.swapped else (b.first_name, b.last_name)
    pros, cons = [], []
    if birth in BIRTH_WORDS and birth != "different":
        pros.append(BIRTH_WORDS[birth])
    if c.phone:
        pros.append("same phone")
    if c.email:
        pros.append("same email")
    if address in ADDRESS_WORDS and address != "different":
        pros.append(ADDRESS_WORDS[address])
    if c.swapped:
        pros.append("first and last names swapped")
    if first in FIRST_WORDS:
        pros.append(FIRST_WORDS[first].format(_quoted(a.first_name, b_first)))
    if last in LAST_WORDS and last != "different":
        pros.append(LAST_WORDS[last].format(_quoted(a.last_name, b_last)))
    if first == "different":
        words = f"first names differ: {_quoted(a.first_name, b_first)}"
        family = last in ("same", "accents", "typo", "two_typos") or address == "same"
        cons.append(f"{words} — often family" if family else words)
    if last == "different":
        cons.append(LAST_WORDS["different"].format(_quoted(a.last_name, b_last)))
    if birth == "different":
        cons.append(BIRTH_WORDS["different"])
    if address == "different":
        cons.append(ADDRESS_WORDS["different"])
    return "; ".join(pros + cons)


# --- Calibration ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def calibration() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(raw score steps, share of true duplicates from each step up), ascending."""
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    steps = data["steps"]
    return tuple(s["from_raw"] for s in steps), tuple(s["share"] for s in steps)


@lru_cache(maxsize=8)
def raw_needed(share: float) -> float:
    """The lowest raw score whose calibrated score is at least ``share``."""
    starts, shares = calibration()
    return next((start for start, s in zip(starts, shares, strict=True) if s >= share), 1e9)


def calibrated(raw: float) -> float:
    """The share of true duplicates among generated pairs with raw score ``raw``: the
    step of the calibration table ``raw`` falls in (below the first step, its share)."""
    starts, shares = calibration()
    at = max(bisect.bisect_right(starts, raw) - 1, 0)
    return shares[at]
