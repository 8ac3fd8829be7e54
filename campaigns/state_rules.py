"""The state rule table (``campaigns/rules/us_states.json``) loaded, and merged for a recipient.

The table is data: adding a state, or changing one's hours, is an edit of the JSON file (and
a bump of its ``version``, which receipts name). A recipient's states are those of the phone's
area code (``rules/nanp_area_codes.json``) and of the address; every applying state's rules
hold at once, so the strictest wins: per weekday the windows intersect (with the federal
one), a day banned by any state is banned, the cap is the smallest.

The send guard runs for every touch, so merged rules are cached per set of states and a
state's holiday dates per year: after the first touch of a combination, a check is a few
dictionary and tuple lookups.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent / "rules"
FEDERAL = "federal"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NANP = re.compile(r"\+1(\d{3})\d{7}")  # +1, area code, seven digits


@dataclass(frozen=True)
class StateRule:
    """One row of the table: a state's own rules, before merging."""

    code: str
    name: str
    hours: tuple[tuple[dt.time, dt.time] | None, ...]  # per weekday, Monday first; None: banned
    holidays: tuple[str, ...]
    observed: str | None
    cap: int | None
    cap_per_subject: bool
    statute: str | None
    cite: str | None
    source: str | None
    effective: str | None
    note: str | None


@dataclass(frozen=True)
class Bound:
    """One edge of a merged window and the rule it comes from (a state code or "federal")."""

    time: dt.time
    by: str


@dataclass(frozen=True)
class DayWindow:
    start: Bound
    end: Bound


@dataclass(frozen=True)
class MergedRules:
    """Every rule that applies to a recipient in some set of states, the strictest kept."""

    states: tuple[str, ...]
    days: tuple[DayWindow | None, ...]  # per weekday, Monday first; None when banned
    banned_by: tuple[str | None, ...]  # per weekday: the state that bans it
    cap: int | None
    cap_per_subject: bool
    cap_by: str | None

    def holiday(self, day: dt.date) -> tuple[str, str] | None:
        """(holiday's name, state banning it) when ``day`` is a no-call holiday here."""
        for code in self.states:
            hit = _holiday_dates(code, day.year).get(day)
            if hit is not None:
                return hit, code
        return None


@functools.cache
def table() -> dict:
    """The raw rule table (parsed once per process)."""
    return json.loads((RULES_DIR / "us_states.json").read_text(encoding="utf-8"))


def rules_version() -> str:
    return table()["version"]


# The table's version, for receipts to name the rules a touch was checked against.
RULES_VERSION: str = rules_version()


def _clock(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _hours(spec: dict | None) -> tuple[tuple[dt.time, dt.time] | None, ...]:
    spec = spec or {"default": ["00:00", "23:59:59.999999"]}
    default = spec.get("default")
    days = []
    for key in WEEKDAYS:
        span = spec.get(key, default)
        days.append(None if span is None else (_clock(span[0]), _clock(span[1])))
    return tuple(days)


def _row(code: str, row: dict) -> StateRule:
    statute = row.get("statute")
    return StateRule(
        code=code,
        name=row["name"],
        hours=_hours(row.get("hours")),
        holidays=tuple(row.get("holidays", ())),
        observed=row.get("observed"),
        cap=row.get("cap"),
        cap_per_subject=bool(row.get("cap_per_subject", False)),
        statute=statute,
        cite=row.get("cite") or (statute.split(";")[0].strip() if statute else None),
        source=row.get("source"),
        effective=row.get("effective"),
        note=row.get("note"),
    )


@functools.cache
def state_rules() -> dict[str, StateRule]:
    """Every state's row (and the federal one under "federal")."""
    data = table()
    rows = {code: _row(code, row) for code, row in data["states"].items()}
    rows[FEDERAL] = _row(FEDERAL, data["federal"])
    for rule in rows.values():
        unknown = set(rule.holidays) - set(HOLIDAYS)
        if unknown:
            raise ValueError(f"Rule table: {rule.code} names unknown holidays {sorted(unknown)}.")
    return rows


def rule(code: str) -> StateRule:
    return state_rules()[code]


@functools.cache
def _area_codes() -> dict[str, str]:
    data = json.loads((RULES_DIR / "nanp_area_codes.json").read_text(encoding="utf-8"))
    return data["area_codes"]


def _key(text: str) -> str:
    return "".join(text.split()).replace(".", "").casefold()


# Postal-style abbreviations people write in addresses, beyond codes and full names.
_ABBREVIATIONS = {
    "ala": "AL", "ariz": "AZ", "ark": "AR", "calif": "CA", "cal": "CA", "colo": "CO",
    "conn": "CT", "del": "DE", "dc": "DC", "washingtondc": "DC", "fla": "FL", "ga": "GA",
    "ill": "IL", "ind": "IN", "kan": "KS", "kans": "KS", "ky": "KY", "la": "LA", "md": "MD",
    "mass": "MA", "mich": "MI", "minn": "MN", "miss": "MS", "mo": "MO", "mont": "MT",
    "neb": "NE", "nebr": "NE", "nev": "NV", "nh": "NH", "nj": "NJ", "nm": "NM", "ny": "NY",
    "nc": "NC", "nd": "ND", "okla": "OK", "ore": "OR", "oreg": "OR", "pa": "PA", "penn": "PA",
    "ri": "RI", "sc": "SC", "sd": "SD", "tenn": "TN", "tex": "TX", "vt": "VT", "va": "VA",
    "wash": "WA", "wva": "WV", "wis": "WI", "wisc": "WI", "wyo": "WY",
}  # fmt: skip


@functools.cache
def _state_names() -> dict[str, str]:
    names = dict(_ABBREVIATIONS)
    for code, row in table()["states"].items():
        names[_key(code)] = code
        names[_key(row["name"])] = code
    return names


def state_of_address(state: str) -> str | None:
    """The code of an address's state field ("FL", "Fla.", "Florida"...), None if unknown."""
    return _state_names().get(_key(state or ""))


def state_of_phone(phone_e164: str) -> str | None:
    """The state of a US number's area code (+1 NPA), None for others (toll-free, Canada)."""
    number = _NANP.fullmatch((phone_e164 or "").strip())
    return _area_codes().get(number[1]) if number else None


def recipient_states(phone_e164: str, address_state: str) -> tuple[str, ...]:
    """Sorted codes of the states whose rules apply: the phone's and the address's."""
    found = {state_of_phone(phone_e164), state_of_address(address_state)}
    return tuple(sorted(code for code in found if code))


def _tighter(current: Bound, candidate: Bound, *, later: bool) -> Bound:
    """The stricter of two bounds (the later start or the earlier end); ties keep the first,
    so the federal rule is named only when no state is as strict."""
    if later:
        return candidate if candidate.time > current.time else current
    return candidate if candidate.time < current.time else current


@functools.cache
def merged(states: tuple[str, ...]) -> MergedRules:
    """The rules of ``states`` (sorted codes) and the federal default, the strictest kept."""
    rows = [rule(FEDERAL)] + [rule(code) for code in states]
    days: list[DayWindow | None] = []
    banned_by: list[str | None] = []
    for weekday in range(7):
        window: DayWindow | None = None
        banned: str | None = None
        for row in rows:
            span = row.hours[weekday]
            if span is None:
                banned = banned or row.code
                continue
            start, end = Bound(span[0], row.code), Bound(span[1], row.code)
            if window is None:
                window = DayWindow(start, end)
            else:
                window = DayWindow(
                    _tighter(window.start, start, later=True),
                    _tighter(window.end, end, later=False),
                )
        if banned or window is None or window.start.time >= window.end.time:
            days.append(None)
            banned_by.append(banned or (states[0] if states else FEDERAL))
        else:
            days.append(window)
            banned_by.append(None)
    capped = [row for row in rows if row.cap is not None]
    strictest = min(capped, key=lambda row: row.cap) if capped else None
    return MergedRules(
        states=states,
        days=tuple(days),
        banned_by=tuple(banned_by),
        cap=strictest.cap if strictest else None,
        cap_per_subject=any(row.cap_per_subject for row in capped),
        cap_by=strictest.code if strictest else None,
    )


# --- Holidays -----------------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th (1-based; -1 for the last) ``weekday`` (Monday 0) of the month."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    last = following - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _easter(year: int) -> dt.date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    return dt.date(year, month, (h + l_ - 7 * m + 33 * month + 19) % 32)


def _fixed(month: int, day: int):
    return lambda year: dt.date(year, month, day)


# name -> (words, the date in a year, whether the date is fixed and so may be observed
# on a weekday when it falls on a weekend)
HOLIDAYS = {
    "new_years_day": ("New Year's Day", _fixed(1, 1), True),
    "mlk_day": ("Martin Luther King Jr. Day", lambda y: _nth_weekday(y, 1, 0, 3), False),
    "presidents_day": ("Presidents' Day", lambda y: _nth_weekday(y, 2, 0, 3), False),
    "mardi_gras": ("Mardi Gras", lambda y: _easter(y) - dt.timedelta(days=47), False),
    "good_friday": ("Good Friday", lambda y: _easter(y) - dt.timedelta(days=2), False),
    "confederate_memorial_day": (
        "Confederate Memorial Day", lambda y: _nth_weekday(y, 4, 0, 4), False,
    ),
    "rhode_island_independence_day": ("Rhode Island Independence Day", _fixed(5, 4), True),
    "memorial_day": ("Memorial Day", lambda y: _nth_weekday(y, 5, 0, -1), False),
    "jefferson_davis_birthday": (
        "Jefferson Davis's Birthday", lambda y: _nth_weekday(y, 6, 0, 1), False,
    ),
    "juneteenth": ("Juneteenth", _fixed(6, 19), True),
    "independence_day": ("Independence Day", _fixed(7, 4), True),
    "pioneer_day": ("Pioneer Day", _fixed(7, 24), True),
    "victory_day": ("Victory Day", lambda y: _nth_weekday(y, 8, 0, 2), False),
    "labor_day": ("Labor Day", lambda y: _nth_weekday(y, 9, 0, 1), False),
    "columbus_day": ("Columbus Day", lambda y: _nth_weekday(y, 10, 0, 2), False),
    "veterans_day": ("Veterans Day", _fixed(11, 11), True),
    "thanksgiving": ("Thanksgiving Day", lambda y: _nth_weekday(y, 11, 3, 4), False),
    "day_after_thanksgiving": (
        "the day after Thanksgiving",
        lambda y: _nth_weekday(y, 11, 3, 4) + dt.timedelta(days=1),
        False,
    ),
    "christmas": ("Christmas Day", _fixed(12, 25), True),
}  # fmt: skip


def _observed(day: dt.date, how: str | None) -> dt.date | None:
    """The weekday a weekend holiday is observed on, by the state's rule; None if not moved."""
    if how == "nearest_weekday" and day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if how in ("nearest_weekday", "sunday_to_monday") and day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return None


@functools.cache
def _holiday_dates(code: str, year: int) -> dict[dt.date, str]:
    """A state's no-call days of ``year``: the holiday itself and, when it moves off a
    weekend, the day it is observed on too (the stricter reading bans both)."""
    row = rule(code)
    dates: dict[dt.date, str] = {}
    # The previous and next years' fixed holidays can be observed in this one
    # (New Year's Day on a Saturday is observed on 31 December).
    for when in (year - 1, year, year + 1):
        for name in row.holidays:
            words, date_of, fixed = HOLIDAYS[name]
            day = date_of(when)
            observed = _observed(day, row.observed) if fixed else None
            for hit, label in ((day, words), (observed, f"{words} (observed)")):
                if hit is not None and hit.year == year:
                    dates.setdefault(hit, label)
    return dates


def holiday_dates(code: str, year: int) -> dict[dt.date, str]:
    """Public read of a state's no-call holidays in ``year`` (date -> words)."""
    return dict(_holiday_dates(code, year))
