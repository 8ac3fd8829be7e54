"""When a touch may reach a patient: sending windows, quiet hours, weekends, holidays and DST.

Planning (due times of an enrollment's touches) and the outreach send guard share these
rules, so a touch planned here is also allowed at send time, and a touch held at send time is
moved to the next allowed minute, never dropped (DESIGN.md section 4).

A moment is allowed when, in the recipient's local time, its day is a sending day of the
practice and not a no-call day (a weekday or holiday banned) of any state whose rules apply
to the recipient, and its time lies in the practice's sending window intersected with that
weekday's window of every applying state and of federal law (08:00-21:00). The states and
their rules are data: ``campaigns/rules/us_states.json``, merged by ``state_rules``. Windows
are half-open: 21:00 itself is not allowed.

Pure functions over ``datetime``: no database access. All instants returned are aware and
in UTC. Arithmetic and comparisons are done in UTC only, because Python compares two
datetimes that share a tzinfo by wall clock, ignoring DST offsets.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from campaigns import state_rules

if TYPE_CHECKING:
    from contacts.models import Contact
    from reactivate.models import Practice

UTC = dt.UTC

LEGAL_START = dt.time(8, 0)
LEGAL_END = dt.time(21, 0)
FLORIDA_END = dt.time(20, 0)  # Florida Telephone Solicitation Act: 8 a.m. to 8 p.m.


def _codes_of(state: str) -> frozenset[str]:
    return frozenset(code for code, where in state_rules._area_codes().items() if where == state)


# Every Florida area code in service or assigned, overlays included (from the rule data).
FLORIDA_AREA_CODES = _codes_of("FL")

# An allowed minute is at most a week away on a weekday with a window, pushed on by the
# longest run of no-call days (a holiday, its observed day, the day after Thanksgiving and
# a banned Sunday: four) and by days a zone skips (Samoa skipped 2011-12-30): 30 is ample.
_SEARCH_DAYS = 30
# Sampling this often finds every offset change: no zone changed twice within two days
# from 2000 to 2040 (checked against the tz database), let alone six hours.
_OFFSET_SAMPLE = dt.timedelta(hours=6)


# Loadable names that say nothing about where a patient is: the host's own zone, a
# tz database internal, and the "no zone configured" placeholder.
_NOT_A_PLACE = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_A_PLACE


def _zone(name: object) -> ZoneInfo | None:
    """The zone named ``name`` when it is a known IANA name (or already a zone); else None."""
    if isinstance(name, ZoneInfo):
        return name
    key = str(name or "").strip()
    # Checked against the list rather than by loading: a directory name ("America") or a
    # wrong case fails in ways that depend on the host's file system.
    return ZoneInfo(key) if key in _known_zones() else None


def is_florida(phone_e164: str, state: str) -> bool:
    """True for a Florida area code (+1 NPA) or a Florida address ("FL", "Fla.", "Florida")."""
    return "FL" in state_rules.recipient_states(phone_e164, state)


@dataclass(frozen=True)
class Recipient:
    """Where the patient's clock is, and the US states whose rules apply (sorted codes):
    the phone's area code's and the address's; the strictest of their rules wins."""

    zone: ZoneInfo
    states: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Callers written before the rule table pass whether Florida applies.
        if isinstance(self.states, bool):
            object.__setattr__(self, "states", ("FL",) if self.states else ())
        else:
            object.__setattr__(self, "states", tuple(sorted(set(self.states))))

    @property
    def rules(self) -> state_rules.MergedRules:
        return state_rules.merged(self.states)  # cached per set of states

    @property
    def cap(self) -> int | None:
        """Touches allowed per rolling 24 hours (the smallest of the states'), None: no cap."""
        return self.rules.cap

    @property
    def cap_per_subject(self) -> bool:
        return self.rules.cap_per_subject

    @property
    def florida(self) -> bool:
        return "FL" in self.states

    @classmethod
    def of(cls, contact: Contact, practice: Practice) -> Recipient:
        # The contact's zone comes from its phone number at import; a blank or unknown
        # name (toll-free numbers, hand-edited rows) falls back to the practice's.
        zone = _zone(contact.time_zone) or _zone(practice.time_zone)
        if zone is None:
            raise ValueError(f"Practice time zone {practice.time_zone!r} is not an IANA zone.")
        return cls(zone=zone, states=state_rules.recipient_states(contact.phone, contact.state))


@dataclass(frozen=True)
class SendingRules:
    """The practice's own sending window (local to the patient) and weekend choices."""

    window_start: dt.time
    window_end: dt.time
    saturday: bool
    sunday: bool

    @classmethod
    def of(cls, practice: Practice) -> SendingRules:
        return cls(
            window_start=practice.sending_window_start,
            window_end=practice.sending_window_end,
            saturday=practice.sends_on_saturday,
            sunday=practice.sends_on_sunday,
        )


def _intersect(
    rules: SendingRules, law: state_rules.DayWindow | None
) -> tuple[dt.time, dt.time] | None:
    if law is None:
        return None
    start = max(rules.window_start, law.start.time)
    end = min(rules.window_end, law.end.time)
    return (start, end) if start < end else None


def daily_window(
    rules: SendingRules, recipient: Recipient, day: dt.date | None = None
) -> tuple[dt.time, dt.time] | None:
    """The practice's window intersected with the legal hours; None when they do not overlap.

    With ``day`` (local to the recipient): that day's window, None on a day that is not a
    sending day or is a no-call day. Without: an ordinary weekday's (Monday's) window.
    """
    if day is None:
        return _intersect(rules, recipient.rules.days[0])
    if not _is_sending_day(day, rules):
        return None
    merged = recipient.rules
    if merged.days[day.weekday()] is None or merged.holiday(day) is not None:
        return None
    return _intersect(rules, merged.days[day.weekday()])


def _names(codes: Sequence[str]) -> str:
    return ", ".join(state_rules.rule(code).name for code in codes) or "federal"


def _require_window(rules: SendingRules, recipient: Recipient) -> None:
    """Raise unless some weekday has time both the practice and the law allow."""
    merged = recipient.rules
    for weekday, law in enumerate(merged.days):
        if (weekday < 5 or (rules.saturday, rules.sunday)[weekday - 5]) and _intersect(rules, law):
            return
    law = merged.days[0]
    hours = f"{law.start.time:%H:%M}-{law.end.time:%H:%M}" if law else "none"
    raise ValueError(
        f"No time is ever allowed: the practice's sending window "
        f"{rules.window_start:%H:%M}-{rules.window_end:%H:%M} does not overlap the "
        f"hours allowed in {_names(recipient.states)} ({hours} on weekdays) on any sending day."
    )


def _is_sending_day(day: dt.date, rules: SendingRules) -> bool:
    weekday = day.weekday()
    if weekday == 5:
        return rules.saturday
    if weekday == 6:
        return rules.sunday
    return True


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"Moment {moment!r} must be timezone-aware.")
    return moment.astimezone(UTC)


def is_allowed(moment: dt.datetime, rules: SendingRules, recipient: Recipient) -> bool:
    """Whether a message may reach the recipient at ``moment`` (aware)."""
    local = _utc(moment).astimezone(recipient.zone)
    window = daily_window(rules, recipient, local.date())
    return window is not None and window[0] <= local.time() < window[1]


def _offset(instant: dt.datetime, zone: ZoneInfo) -> dt.timedelta | None:
    return instant.astimezone(zone).utcoffset()


def _offset_change(lo: dt.datetime, hi: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The first instant in (lo, hi] with hi's offset; exactly one change lies between."""
    before = _offset(lo, zone)
    low, high = int(lo.timestamp()), int(hi.timestamp())
    # Bisect on whole seconds: tz database transitions fall on whole seconds.
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(dt.datetime.fromtimestamp(middle, UTC), zone) == before:
            low = middle
        else:
            high = middle
    return dt.datetime.fromtimestamp(high, UTC)


def _offset_changes(day: dt.date, zone: ZoneInfo) -> Iterator[dt.datetime]:
    """Instants on local ``day`` at which the zone's offset changes (DST or a new rule)."""
    # The local day lies within this UTC span whatever the offset (-12:00 to +14:00).
    instant = dt.datetime.combine(day, dt.time(), tzinfo=UTC) - dt.timedelta(hours=15)
    end = instant + dt.timedelta(hours=15 + 24 + 13)
    while instant < end:
        following = instant + _OFFSET_SAMPLE
        if _offset(instant, zone) != _offset(following, zone):
            change = _offset_change(instant, following, zone)
            if change.astimezone(zone).date() == day:
                yield change
        instant = following


def _wall_instants(day: dt.date, wall: dt.time, zone: ZoneInfo) -> list[dt.datetime]:
    """Each real instant whose local clock reads ``wall`` on ``day``: none in a DST gap,
    two in a DST overlap (fold 0 and 1), else one."""
    naive = dt.datetime.combine(day, wall)
    found: set[dt.datetime] = set()
    for fold in (0, 1):
        instant = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == naive:
            found.add(instant)
    return sorted(found)


def _resolve_wall(day: dt.date, wall: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The first real instant at or after the local wall time: the earlier one when it
    happens twice, the end of the gap when the clock skips it."""
    instants = _wall_instants(day, wall, zone)
    if instants:
        return instants[0]
    naive = dt.datetime.combine(day, wall)
    # In a gap, fold=1 reads the wall time with the offset after the change (an instant
    # before the gap) and fold=0 with the offset before it (an instant after the gap).
    lo = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    hi = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return _offset_change(min(lo, hi), max(lo, hi), zone)


def next_allowed(moment: dt.datetime, rules: SendingRules, recipient: Recipient) -> dt.datetime:
    """The first allowed instant at or after ``moment`` (aware), in UTC.

    Raises ValueError when the practice's window and the legal hours never overlap.
    """
    _require_window(rules, recipient)
    moment = _utc(moment)
    if is_allowed(moment, rules, recipient):
        return moment
    zone = recipient.zone
    day = moment.astimezone(zone).date()
    for _ in range(_SEARCH_DAYS):
        # Allowed time can only begin when the clock reaches the day's window start, or
        # when it jumps into the window at an offset change (a DST gap that swallows the
        # start). Days without a window (weekends off, no-call days) have no start.
        window = daily_window(rules, recipient, day)
        starts = _wall_instants(day, window[0], zone) if window else []
        for candidate in sorted({*starts, *_offset_changes(day, zone)}):
            if candidate >= moment and is_allowed(candidate, rules, recipient):
                return candidate
        day += dt.timedelta(days=1)
    raise RuntimeError(f"No allowed time within {_SEARCH_DAYS} days of {moment.isoformat()}.")


def allowed_until(
    moment: dt.datetime, rules: SendingRules, recipient: Recipient
) -> dt.datetime | None:
    """The end (exclusive, UTC) of the allowed span containing ``moment``; None when
    ``moment`` is not allowed. A text's validity period ends here, so it cannot arrive late.
    """
    moment = _utc(moment)
    if not is_allowed(moment, rules, recipient):
        return None
    zone = recipient.zone
    day = moment.astimezone(zone).date()
    # Allowed time ends when the clock reaches the window's end, or when an offset change
    # makes it jump out of the window; windows never span midnight, but an offset change
    # can move the local date, so the next days are looked at too.
    for _ in range(3):
        window = daily_window(rules, recipient, day)
        ends = _wall_instants(day, window[1], zone) if window else []
        for candidate in sorted({*ends, *_offset_changes(day, zone)}):
            if candidate > moment and not is_allowed(candidate, rules, recipient):
                return candidate
        day += dt.timedelta(days=1)
    raise RuntimeError(f"No end to the allowed span at {moment.isoformat()}.")


def window_words(moment: dt.datetime, rules: SendingRules, recipient: Recipient) -> str:
    """The window that applies on ``moment``'s local day, for a receipt:
    e.g. "08:00-20:00 America/New_York (FL)"."""
    local = _utc(moment).astimezone(recipient.zone)
    window = daily_window(rules, recipient, local.date())
    where = "/".join(recipient.states) or "federal"
    if window is None:
        return f"no sending on {local:%A %Y-%m-%d} in {recipient.zone.key} ({where})"
    return f"{window[0]:%H:%M}-{window[1]:%H:%M} {recipient.zone.key} ({where})"


def _rule_words(code: str) -> str:
    """A state's name and statute: "Florida (Fla. Stat. 501.059)"."""
    row = state_rules.rule(code)
    return f"{row.name} ({row.cite})" if row.cite else row.name


def _on_day(code: str, local: dt.datetime) -> str:
    """ " Sunday" when the state's hours on this weekday differ from its usual ones."""
    hours = state_rules.rule(code).hours
    return f" {local:%A}" if hours[local.weekday()] != hours[0] else ""


def _limit_broken(local: dt.datetime, rules: SendingRules, law: state_rules.DayWindow) -> str:
    """Which rule a local time outside the window breaks, in words."""
    if local.time() < max(rules.window_start, law.start.time):
        if rules.window_start > law.start.time:
            return f"before the practice's {rules.window_start:%H:%M} window start"
        if law.start.by == state_rules.FEDERAL:
            return f"before the {law.start.time:%H:%M} start"
        by = law.start.by
        return f"before the {law.start.time:%H:%M}{_on_day(by, local)} start of {_rule_words(by)}"
    if rules.window_end < law.end.time:
        return f"past the practice's {rules.window_end:%H:%M} window end"
    if law.end.by == state_rules.FEDERAL:
        return f"past the {law.end.time:%H:%M} legal limit"
    by = law.end.by
    return f"past the {law.end.time:%H:%M}{_on_day(by, local)} limit of {_rule_words(by)}"


def hold_reason(moment: dt.datetime, rules: SendingRules, recipient: Recipient) -> str | None:
    """Why a touch due at ``moment`` is held, and where it moves; None when it may go now.

    e.g. "held: 20:41 in America/New_York is past the 20:00 limit of Florida
    (Fla. Stat. 501.059); moved to 08:00". The weekday is named when the touch moves beyond
    today (or beyond tomorrow morning for a touch that was too late in the evening).
    Raises ValueError like ``next_allowed``.
    """
    if is_allowed(moment, rules, recipient):
        return None
    zone = recipient.zone
    local = _utc(moment).astimezone(zone)
    moved = next_allowed(moment, rules, recipient).astimezone(zone)
    days_on = (moved.date() - local.date()).days
    day, merged = local.date(), recipient.rules
    holiday = merged.holiday(day)
    if holiday is not None:
        name, code = holiday
        what = f"{name} is a no-call day in {_rule_words(code)}"
        return f"held: {what}; moved to {moved:%A %H:%M}"
    law = merged.days[day.weekday()]
    if law is None:
        what = f"{local:%A} is a no-call day in {_rule_words(merged.banned_by[day.weekday()])}"
        return f"held: {what}; moved to {moved:%A %H:%M}"
    if not _is_sending_day(day, rules):
        what = f"{local:%A} in {zone.key} is outside the practice's sending days"
        return f"held: {what}; moved to {moved:%A %H:%M}"
    broken = _limit_broken(local, rules, law)
    next_morning = broken.startswith("past") and days_on == 1
    when = f"{moved:%H:%M}" if days_on == 0 or next_morning else f"{moved:%A %H:%M}"
    return f"held: {local:%H:%M} in {zone.key} is {broken}; moved to {when}"


def due_at(
    start_day: dt.date,
    day_offset: int,
    rules: SendingRules,
    recipient: Recipient,
    *,
    at: dt.time | None = None,
) -> dt.datetime:
    """When the touch of sequence day ``day_offset`` is due, in UTC.

    Day 1 is ``start_day``, a calendar date in the recipient's zone; offsets count local
    calendar days, so a DST change does not shift 09:00 to 08:00 or 10:00. The touch is
    due at ``at`` (default: the window start) on that day, or at the next allowed minute.
    """
    if day_offset < 1:
        raise ValueError(f"Day offsets start at 1 (the start day), got {day_offset}.")
    _require_window(rules, recipient)
    day = start_day + dt.timedelta(days=day_offset - 1)
    # Without a time, the touch is due at that day's window start (an ordinary weekday's
    # when the day has none: next_allowed then moves it on).
    window = daily_window(rules, recipient, day) or daily_window(rules, recipient)
    start = window[0] if window else rules.window_start
    wall = _resolve_wall(day, at if at is not None else start, recipient.zone)
    due = next_allowed(wall, rules, recipient)
    assert is_allowed(due, rules, recipient), due
    return due
