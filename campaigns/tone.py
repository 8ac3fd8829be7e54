"""Tone check for message templates, run live in the template editor.

The method is *permission, not pressure*: an opener is a short, calm question that is easy to
answer and closes a loop ("Is this still on your list, or shall we close your file?"). Stalled
patients owe the practice nothing, so a text that nags, guilts, shouts or spells out a diagnosis
costs replies and trust. This module points at those habits before a template is saved.

Pure functions, no models and no database. Most findings are warnings: the admin decides.
Only what would break sending blocks saving: an empty body, a body over BODY_MAX_CHARS, and
placeholders the renderer doesn't know (a typo such as ``{firstname}`` would otherwise reach a
patient as literal text).

Every check is linear in the body's length: the live check runs on whatever is pasted.

What each channel is checked for:

- ``sms``: everything, including its length in carrier segments.
- ``voicemail``: everything but segments. A voicemail can be played by anyone with the phone,
  so clinical details and amounts warn there as they do in a text.
- ``email`` and ``call``: placeholders, questions, pressure and ALL CAPS only. An email has no
  segments and goes to an inbox, and a call script is spoken by a coordinator who can check
  they are talking to the patient before going into treatment or money.

Findings are one per rule, with every offending word in the excerpt, so the editor shows a
short list however messy the draft is.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

PLACEHOLDERS = ("first_name", "practice_name", "coordinator_name")

# Worst-case lengths used when measuring a template's rendered size: long but real names, so a
# template that fits here fits for nearly every patient.
PLACEHOLDER_SAMPLE = {
    "first_name": "Christabelle",  # 12 letters
    "practice_name": "Harbor Family Dental Spa",  # 24 characters
    "coordinator_name": "Konstantinos",  # 12 letters
}

_SAMPLE_UNIT = {"first_name": "letter", "practice_name": "character", "coordinator_name": "letter"}

CHANNELS = ("sms", "email", "voicemail", "call")

# The longest body a template may have. Twilio refuses a text over 1,600 characters, and an
# email in this method is a few short lines; the cap keeps a pasted document out of the
# editor, and the live check (which runs as the admin types) bounded.
BODY_MAX_CHARS = 5000

# Which content checks apply where (see the module docstring for why).
_SEGMENTED = frozenset({"sms"})
_PRIVATE_CONTENT = frozenset({"sms", "voicemail"})


class Severity(StrEnum):
    WARNING = "warning"
    BLOCKING = "blocking"


@dataclass(frozen=True)
class Finding:
    # Stable ids the editor can key on: "empty", "too_long", "placeholder", "placeholder_syntax",
    # "segments", "questions", "pressure", "caps", "clinical", "amount".
    code: str
    severity: Severity
    message: str  # plain English for the admin
    excerpt: str = ""  # the offending words, when there are some


# Segments ------------------------------------------------------------------------------------

# GSM 03.38 default alphabet (the escape 0x1B is left out: it is not a character).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as escape + code, so it takes two of the 160.
_GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
# (one segment, each part of a multi-part message: the rest of a part is the concatenation header)
_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}

# Look-alikes that quietly switch a text to UCS-2, with what to type instead.
_GSM_SUBSTITUTES = {
    "\u2018": "a straight apostrophe (')",
    "\u2019": "a straight apostrophe (')",
    "\u201c": 'a straight quote (")',
    "\u201d": 'a straight quote (")',
    "\u2013": "a hyphen (-)",
    "\u2014": "a hyphen (-)",
    "\u2026": "three dots (...)",
    "\u00a0": "a plain space",
}


def _is_gsm(char: str) -> bool:
    return char in _GSM_BASIC or char in _GSM_EXTENSION


def _units(char: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if char in _GSM_EXTENSION else 1
    # UTF-16 code units: characters outside the BMP (most emoji) are a surrogate pair.
    return 2 if ord(char) > 0xFFFF else 1


def segments(text: str) -> tuple[str, int, int]:
    """Return (encoding, length in encoding units, number of segments) of an SMS body."""
    encoding = GSM7 if all(_is_gsm(c) for c in text) else UCS2
    sizes = [_units(c, encoding) for c in text]
    length = sum(sizes)
    single, per_part = _LIMITS[encoding]
    if length <= single:
        return encoding, length, 1 if length else 0
    # Carriers never split an escape pair or a surrogate pair across parts, so pack greedily
    # instead of dividing: a two-unit character at a part's end starts the next part.
    parts, used = 1, 0
    for size in sizes:
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return encoding, length, parts


def _describe_char(char: str) -> str:
    name = unicodedata.name(char, f"U+{ord(char):04X}")
    return f'"{char}" ({name})'


# Placeholders --------------------------------------------------------------------------------

# One scan covers the whole brace grammar: "{{" and "}}" are literal braces, "{...}" is a field,
# and any other brace is stray (str.format would refuse the template).
_BRACES = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class _Field:
    text: str  # as written, braces included
    name: str  # before any "!" conversion or ":" format spec
    formatted: bool  # has a conversion or format spec


def _scan(body: str) -> tuple[list[_Field], list[str]]:
    """The fields of a template, and its stray braces."""
    fields, stray = [], []
    for match in _BRACES.finditer(body):
        piece, inner = match.group(0), match.group(1)
        if inner is not None:
            name = re.split(r"[!:]", inner, maxsplit=1)[0]
            fields.append(_Field(piece, name, name != inner))
        elif piece in ("{", "}"):
            stray.append(piece)
    return fields, stray


def placeholders_unknown(body: str) -> list[str]:
    """Names inside braces that are not one of PLACEHOLDERS, in order, each once."""
    names = [f.name for f in _scan(body)[0] if f.name not in PLACEHOLDERS]
    return list(dict.fromkeys(names))


class TemplateError(ValueError):
    """Words that cannot be filled in: refused on save, and a touch carrying them fails."""


class _Values(dict):
    def __missing__(self, key: str) -> str:
        raise TemplateError(f"No value for placeholder {{{key}}}.")


def render(body: str, values: Mapping[str, str]) -> str:
    """Fill the known placeholders; "{{" and "}}" become literal braces.

    Raises TemplateError (a ValueError) on anything else in braces: callers check
    placeholders first, and a template that got past them must never print "{patient}" to a
    patient.
    """
    fields, stray = _scan(body)
    unknown = placeholders_unknown(body)
    formatted = [f.text for f in fields if f.formatted]
    if unknown or stray or formatted:
        wrong = [f"{{{name}}}" for name in unknown] + stray + formatted
        raise TemplateError(f"Template has unknown or malformed placeholders: {', '.join(wrong)}")
    known = _Values({k: str(v) for k, v in values.items() if k in PLACEHOLDERS})
    return body.format_map(known)


def _render_leniently(body: str, values: Mapping[str, str]) -> str:
    """Render for measuring: known fields filled, anything else left as written."""

    def fill(match: re.Match[str]) -> str:
        token, inner = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            return token[0]
        if inner is not None and inner in values:
            return values[inner]
        return token

    return _BRACES.sub(fill, body)


def _strip_fields(body: str) -> str:
    """The words an admin wrote, without what is inside placeholders."""
    return _BRACES.sub(lambda m: m.group(0)[0] if m.group(0) in ("{{", "}}") else " ", body)


def _placeholder_findings(body: str) -> list[Finding]:
    fields, stray = _scan(body)
    allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    findings = []
    unknown = placeholders_unknown(body)
    if unknown:
        listed = ", ".join(_with_hint(name) for name in unknown)
        plural = "s" if len(unknown) > 1 else ""
        findings.append(
            Finding(
                "placeholder",
                Severity.BLOCKING,
                f"Unknown placeholder{plural} {listed}. Only {allowed} can be filled in.",
                ", ".join(f"{{{name}}}" for name in unknown),
            )
        )
    formatted = [f.text for f in fields if f.formatted and f.name in PLACEHOLDERS]
    if stray or formatted:
        problems = []
        if stray:
            problems.append(
                'a stray "{" or "}" (write "{{" or "}}" for a literal brace)'
                if len(set(stray)) > 1
                else f'a stray "{stray[0]}" (write "{stray[0] * 2}" for a literal brace)'
            )
        if formatted:
            problems.append(f"{', '.join(formatted)} (placeholders take no format; use the name)")
        findings.append(
            Finding(
                "placeholder_syntax",
                Severity.BLOCKING,
                f"Placeholder braces don't parse: {'; '.join(problems)}.",
                ", ".join(dict.fromkeys(stray + formatted)),
            )
        )
    return findings


def _with_hint(name: str) -> str:
    # "{firstname}" and "{FirstName}" are nearly always typos of a real name: say which.
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    close = difflib.get_close_matches(key, PLACEHOLDERS, n=1, cutoff=0.75)
    return f"{{{name}}} (did you mean {{{close[0]}}}?)" if close else f"{{{name}}}"


# Content rules -------------------------------------------------------------------------------

# Curly quotes are folded to straight ones before matching; one-for-one, so spans still hold.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})


def _phrases(patterns: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive, whole-word regex from readable phrase patterns.

    A space matches any run of spaces or hyphens ("limited-time"), and an apostrophe is
    optional ("havent"), since a hurried admin types both.
    """
    parts = [p.replace(" ", r"[\s-]+").replace("'", "'?") for p in patterns]
    # Every phrase starts with a letter: the lookahead skips the long alternation at every
    # other position (a body of dashes or dollar signs otherwise tries each branch at each).
    return re.compile(r"(?<!\w)(?=[a-z])(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


# Pressure and guilt: urgency the patient didn't ask for, or blame for going quiet.
_PRESSURE = _phrases(
    [
        "last chance",
        "act (?:now|fast|today)",
        "(?:book|call|reply|respond|schedule) (?:now|immediately|asap|right away)",
        "limited time",
        "(?:offer|deal|special) ends",
        "(?:expires|expiring|ends) (?:today|tonight|soon)",
        "today only",
        "while (?:supplies|spots) last",
        "time is running out",
        "running out of time",
        "before it's too late",
        "now or never",
        "(?:this|it) won't last",
        "(?:only )?(?:a )?few (?:spots|openings|appointments|slots) (?:left|remaining)",
        "spots are filling",
        "final (?:notice|warning)",
        # Lookbehinds written with \s, not spaces, so the calm negations stay fixed-width:
        # "no need to hurry", "nothing urgent", "if you need to reschedule" are fine.
        r"(?<!no\s)(?<!to\s)hurry",
        r"(?<!nothing\s)(?<!not\s)urgent(?:ly)?",
        "asap",
        "do(?:n't| not) miss out",
        "do(?:n't| not) wait",
        "do(?:n't| not) delay",
        "we (?:haven't|have not) heard (?:back )?from you",
        "(?:haven't|have not) heard back",
        "you still (?:haven't|have not)",
        "why (?:haven't|have not|didn't|did not) you",
        r"(?<!if\s)(?<!whenever\s)you need to",
        "you must",
        "you missed your",
        "you failed to",
        "no show",
        "ignor(?:e|ed|es|ing) (?:our|my|us)",
        "we've tried (?:to reach you )?(?:several|many|multiple) times",
        "(?:we're|we are|I'm|I am) (?:disappointed|surprised)",
    ]
)

# Acronyms that are not shouting. STOP, HELP and the other keywords must stay: compliance
# text ("Reply STOP to opt out") requires them in capitals.
_CAPS_ALLOWED = frozenset(
    {
        *("STOP", "STOPALL", "UNSUBSCRIBE", "START", "UNSTOP", "HELP", "INFO"),
        *("OK", "FAQ", "USA", "AM", "PM", "ID", "FYI"),
        *("MD", "DO", "DDS", "DMD", "RN", "NP", "PA", "DPM", "FNP", "APRN", "DC", "OD"),
        *("PC", "LLC", "PLLC", "HIPAA", "SMS", "URL"),
        *("EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "UTC", "GMT"),
        *("USD", "EUR", "GBP", "CAD", "AUD"),
        # Clinical acronyms are a clinical finding, not a caps one: say it once.
        *("HIV", "STD", "STI", "MRI", "IVF", "TMJ", "CT"),
    }
)
# A word, letters only, with inner apostrophes ("DON'T" is one word, not "DON").
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")

# Procedures and diagnoses across dental, medical and aesthetic practices. A text can be read
# by anyone who picks up the phone, so the treatment stays on the coordinator's screen.
_CLINICAL = _phrases(
    [
        # dental
        "(?:dental )?implants?",
        "root canals?",
        "crowns?",
        "veneers?",
        "invisalign",
        "clear aligners?",
        "braces",
        "extractions?",
        "wisdom teeth",
        "periodontal",
        "periodontitis",
        "gum disease",
        "gingivitis",
        "cavit(?:y|ies)",
        "dentures?",
        "deep cleaning",
        "scaling and root planing",
        "teeth whitening",
        # aesthetic
        "botox",
        "(?:lip |dermal )?fillers?",
        "liposuction",
        "lipo",
        "laser",
        "face(?:lift| lift)",
        "rhinoplasty",
        "nose job",
        "breast (?:augmentation|implants?|reduction|lift)",
        "tummy tuck",
        "abdominoplasty",
        "blepharoplasty",
        "coolsculpting",
        "microneedling",
        "chemical peel",
        "hair transplant",
        # medical
        "diabetes",
        "diabetic",
        "cancer",
        "tumou?r",
        "biopsy",
        "pregnan(?:t|cy)",
        "fertility",
        "ivf",
        "hiv",
        "std",
        "sti",
        "depression",
        "colonoscopy",
        "mammogram",
        "mri",
        "ct scan",
        "surgery",
        "chemo(?:therapy)?",
        "dialysis",
        "hysterectomy",
        "vasectomy",
        "(?:knee|hip) replacement",
        "sleep apnea",
        "tmj",
        "ozempic",
        "semaglutide",
        "weight loss",
        "diagnosis",
        "prescriptions?",
    ]
)

# Thousands separators only in threes, so "$1,200, or" does not take the comma.
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
# Where a bare number may start: not inside a run of digits (or just after "1," or "1."). If
# a number fails from its first digit it fails from every later one, but without this the
# engine tries them all, each reading to the run's end: 10,000 digits took 15 s.
_NUMBER_START = r"(?<!\d)(?<!\d[,.])"
_AMOUNT = re.compile(
    "|".join(
        [
            rf"[$€£¥]\s?{_NUMBER}(?:\s?[kK]\b)?",
            rf"\b(?:USD|EUR|GBP|CAD|AUD)\s?{_NUMBER}",
            rf"{_NUMBER_START}{_NUMBER}\s?(?:USD|EUR|GBP|CAD|AUD)\b",
            rf"{_NUMBER_START}{_NUMBER}\s?(?:dollars?|bucks|euros?)\b",
            # Discounts are prices too, and sales pressure besides.
            rf"{_NUMBER_START}{_NUMBER}\s?(?:%|percent)\s+(?:off|discount)\b",
            rf"\b(?:save|saving|discount of)\s+(?:up to\s+)?{_NUMBER}\s?(?:%|percent)",
        ]
    ),
    re.IGNORECASE,
)

# A question is a sentence ending in "?". It may only start where a sentence starts: tried
# from every character of a long sentence with no "?", each attempt read to the sentence's
# end (a 40 KB one-question body took 8.7 s).
_QUESTION = re.compile(r"(?<![^.!?\n])[^.!?\n]*\?+")


def _quoted(items: Iterable[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def _distinct(matches: Iterable[str]) -> list[str]:
    """Matches in order, once each, ignoring case and apostrophe style."""
    seen: dict[str, str] = {}
    for match in matches:
        seen.setdefault(" ".join(match.lower().translate(_APOSTROPHES).split()), match.strip())
    return list(seen.values())


def _segment_finding(body: str) -> Finding | None:
    rendered = _render_leniently(body, PLACEHOLDER_SAMPLE)
    encoding, length, parts = segments(rendered)
    single = _LIMITS[encoding][0]
    if length <= single:
        return None
    used = {f.name for f in _scan(body)[0]}
    sample = [
        f"a {len(PLACEHOLDER_SAMPLE[name])}-{_SAMPLE_UNIT[name]} {name.replace('_', ' ')}"
        for name in PLACEHOLDERS
        if name in used
    ]
    measured = f" with {_and(sample)}" if sample else ""
    if encoding == GSM7:
        return Finding(
            "segments",
            Severity.WARNING,
            f"Over one text segment{measured}: {length} of {single} characters (GSM-7), "
            f"so it is sent as {parts} segments.",
        )
    odd = list(dict.fromkeys(c for c in rendered if not _is_gsm(c)))
    culprit = _describe_char(odd[0])
    if len(odd) > 1:
        culprit += f" and {len(odd) - 1} other character{'s' if len(odd) > 2 else ''}"
    fix = _GSM_SUBSTITUTES.get(odd[0])
    hint = f" Use {fix} instead." if fix else ""
    verb = "force" if len(odd) > 1 else "forces"
    return Finding(
        "segments",
        Severity.WARNING,
        f"{culprit} {verb} UCS-2, so one segment is {single} characters; this text is "
        f"{length}{measured}, so it is sent as {parts} segments.{hint}",
        "".join(odd),
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _question_finding(text: str) -> Finding | None:
    questions = [" ".join(q.split()) for q in _QUESTION.findall(text)]
    if len(questions) <= 1:
        return None
    return Finding(
        "questions",
        Severity.WARNING,
        f"{len(questions)} questions, and this step asks one simple question: "
        "keep the one that is easiest to answer.",
        " / ".join(questions),
    )


def _pressure_finding(text: str) -> Finding | None:
    # Match on folded apostrophes, quote the admin's own spelling back.
    folded = text.translate(_APOSTROPHES)
    found = _distinct(text[m.start() : m.end()] for m in _PRESSURE.finditer(folded))
    if not found:
        return None
    return Finding(
        "pressure",
        Severity.WARNING,
        f"Pressure or guilt: {_quoted(found)}. Ask permission instead, "
        'for example "Is this still on your list, or shall we close your file?"',
        ", ".join(found),
    )


def _caps_finding(text: str) -> Finding | None:
    shouted = [
        w
        for w in (m.group(0) for m in _WORD.finditer(text))
        if sum(c.isalpha() for c in w) >= 3 and w.isupper() and w not in _CAPS_ALLOWED
    ]
    found = _distinct(shouted)
    if not found:
        return None
    return Finding(
        "caps",
        Severity.WARNING,
        f"ALL CAPS reads as shouting: {_quoted(found)}.",
        ", ".join(found),
    )


def _clinical_finding(text: str, channel: str) -> Finding | None:
    found = _distinct(m.group(0) for m in _CLINICAL.finditer(text))
    if not found:
        return None
    where = (
        "Anyone near the phone may hear a voicemail"
        if channel == "voicemail"
        else "Anyone who sees the phone can read a text"
    )
    return Finding(
        "clinical",
        Severity.WARNING,
        f"Clinical detail: {_quoted(found)}. {where}; "
        "keep the treatment on the coordinator's screen.",
        ", ".join(found),
    )


def _amount_finding(text: str, channel: str) -> Finding | None:
    found = _distinct(m.group(0) for m in _AMOUNT.finditer(text))
    if not found:
        return None
    medium = "voicemail" if channel == "voicemail" else "text"
    return Finding(
        "amount",
        Severity.WARNING,
        f"Price or amount: {_quoted(found)}. Money is for the conversation with the "
        f"coordinator, not a {medium} others may see.",
        ", ".join(found),
    )


def too_long(body: str) -> Finding | None:
    """Blocks a body over BODY_MAX_CHARS (the editor's form refuses it too)."""
    if len(body) <= BODY_MAX_CHARS:
        return None
    return Finding(
        "too_long",
        Severity.BLOCKING,
        f"The message is {len(body):,} characters; the limit is {BODY_MAX_CHARS:,}. "
        "Keep it to a few short lines.",
    )


def render_problems(words: str) -> list[str]:
    """Why these words could not be filled in, in the admin's terms (empty when they can).

    For words the tone check does not cover (an email subject, rendered for every touch),
    and as the last gate before saving: what renders here with sample values renders for
    every patient, so the dispatcher never meets words it cannot send.
    """
    problems = [finding.message for finding in _placeholder_findings(words)]
    if not problems:
        try:
            render(words, PLACEHOLDER_SAMPLE)
        except TemplateError as error:
            problems.append(str(error))
    return problems


# Entry points --------------------------------------------------------------------------------


def tone_check(body: str, *, channel: str = "sms", one_question: bool = False) -> list[Finding]:
    """Everything worth pointing out in a template, blocking findings first.

    ``one_question`` is set for steps whose method asks one simple question (Day 7).
    """
    if channel not in CHANNELS:
        raise ValueError(f"Unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}.")
    if not body.strip():
        return [Finding("empty", Severity.BLOCKING, "The message is empty.")]
    text = _strip_fields(body)
    candidates = [
        too_long(body),
        *_placeholder_findings(body),
        _segment_finding(body) if channel in _SEGMENTED else None,
        _question_finding(text) if one_question else None,
        _pressure_finding(text),
        _caps_finding(text),
        _clinical_finding(text, channel) if channel in _PRIVATE_CONTENT else None,
        _amount_finding(text, channel) if channel in _PRIVATE_CONTENT else None,
    ]
    return [f for f in candidates if f is not None]


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that stop a template from being saved."""
    return [f for f in findings if f.severity is Severity.BLOCKING]
