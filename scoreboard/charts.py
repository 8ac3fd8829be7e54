"""Charts drawn on the server as inline SVG: no JavaScript, readable without colour (every
bar is labelled with its number, series differ by pattern, a legend names them) and with a
``<title>``/``<desc>`` for screen readers; the same numbers are in a table beside each.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from scoreboard.selectors import Counts
from scoreboard.stats import Lift

INK = "#1d2733"
MUTED = "#55606e"
LINE = "#d5dbe3"
ACCENT = "#0b5cad"

# Weekly series: (field, label, fill). Fills are patterns, so they differ in grey too.
SERIES = (
    ("contacted", "Contacted", "url(#sb-solid)"),
    ("replied", "Replied", "url(#sb-hatch)"),
    ("decisions", "Decisions", "url(#sb-cross)"),
    ("scheduled", "Scheduled", "url(#sb-dots)"),
)

PATTERNS = f"""<defs>
<pattern id="sb-solid" width="6" height="6" patternUnits="userSpaceOnUse">
<rect width="6" height="6" fill="{ACCENT}"/></pattern>
<pattern id="sb-hatch" width="6" height="6" patternUnits="userSpaceOnUse"
 patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>
<rect width="3" height="6" fill="{INK}"/></pattern>
<pattern id="sb-cross" width="6" height="6" patternUnits="userSpaceOnUse">
<rect width="6" height="6" fill="#fff"/><path d="M0 0L6 6M6 0L0 6" stroke="{INK}"
 stroke-width="1.2"/></pattern>
<pattern id="sb-dots" width="5" height="5" patternUnits="userSpaceOnUse">
<rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.6" fill="{INK}"/>
</pattern></defs>"""


def patterns_svg() -> SafeString:
    """The fill patterns, defined once per page (ids must be unique in a document)."""
    return mark_safe(  # noqa: S308 - constant markup
        f'<svg width="0" height="0" aria-hidden="true" focusable="false">{PATTERNS}</svg>'
    )


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    uid = uuid.uuid4().hex[:10]
    head = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="t-{uid} d-{uid}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="t-{uid}">{escape(title)}</title>'
        f'<desc id="d-{uid}">{escape(desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every value escaped


def _text(x: float, y: float, words: str, *, anchor: str = "start", size: int = 12) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{INK}">{escape(words)}</text>'
    )


def _text_width(words: str, size: int = 12) -> int:
    """A generous width for ``words`` in the chart's sans-serif (wide letters and digits
    run to about 0.62 em): the charts size their label and value columns by it, so no
    label runs into a bar or past the right edge, whatever its length."""
    return math.ceil(len(words) * size * 0.62 + 8)


def _bar(x: float, y: float, w: float, h: float, fill: str, title: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
        f'fill="{fill}" stroke="{INK}" stroke-width="1"><title>{escape(title)}</title></rect>'
    )


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def points(value: float | None) -> str:
    """A difference of two rates, in percentage points."""
    return "—" if value is None else f"{value * 100:+.1f} pts"


def funnel_chart(stages: list[tuple[str, int]]) -> SafeString:
    """Horizontal bars, contacted → showed, each with its count and share of contacted."""
    row, plot_w = 30, 380
    top = max((n for _s, n in stages), default=0) or 1
    contacted = stages[0][1] if stages else 0
    lines = []
    for stage, n in stages:
        share = percent(n / contacted) if contacted else "—"
        lines.append((stage.replace("_", " ").capitalize(), n, f"{n} ({share} of contacted)"))
    label_w = max((_text_width(label) for label, _n, _v in lines), default=0)
    value_w = max((_text_width(value) for _l, _n, value in lines), default=0)
    width = round(label_w + plot_w + 6 + value_w)
    body = []
    for i, (label, n, value) in enumerate(lines):
        y = 8 + i * row
        bar_w = plot_w * n / top
        body.append(_text(0, y + 16, label))
        body.append(_bar(label_w, y + 2, bar_w, row - 10, "url(#sb-solid)", f"{label}: {n}"))
        body.append(_text(label_w + bar_w + 6, y + 16, value))
    desc = "; ".join(f"{stage}: {n}" for stage, n in stages)
    return _svg(width, 8 + row * len(stages), "Funnel", desc, body)


def weekly_chart(weeks: list[tuple[dt.date, Counts]]) -> SafeString:
    """Grouped bars per week for contacted, replied, decisions and scheduled."""
    width, height, left, bottom, top_pad = 720, 240, 36, 40, 30
    plot_h = height - bottom - top_pad
    top = max((getattr(c, f) for _w, c in weeks for f, _l, _p in SERIES), default=0) or 1
    group_w = (width - left - 10) / max(len(weeks), 1)
    bar_w = max(2.0, group_w * 0.8 / len(SERIES))
    body = [
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 5}" y2="{top_pad + plot_h}" '
        f'stroke="{INK}"/>',
        _text(left - 4, top_pad + 4, str(top), anchor="end", size=10),
        _text(left - 4, top_pad + plot_h, "0", anchor="end", size=10),
    ]
    for i, (_field, label, fill) in enumerate(SERIES):  # legend
        x = left + i * 130
        body.append(_bar(x, 6, 14, 14, fill, label))
        body.append(_text(x + 18, 17, label))
    every = max(1, len(weeks) // 8)
    for g, (week, counts) in enumerate(weeks):
        x0 = left + g * group_w + group_w * 0.1
        for s, (field, label, fill) in enumerate(SERIES):
            n = getattr(counts, field)
            h = plot_h * n / top
            title = f"Week of {week:%b %-d}: {label.lower()} {n}"
            body.append(_bar(x0 + s * bar_w, top_pad + plot_h - h, bar_w, h, fill, title))
        if g % every == 0:
            body.append(_text(x0 + group_w * 0.4, height - bottom + 16, f"{week:%b %-d}", size=10))
    desc = "; ".join(
        f"week of {week:%Y-%m-%d}: "
        + ", ".join(f"{label.lower()} {getattr(c, f)}" for f, label, _p in SERIES)
        for week, c in weeks
    )
    return _svg(width, height, "Weekly trend", desc, body)


def bars_chart(title: str, rows: list[tuple[str, int]]) -> SafeString:
    """Labelled horizontal bars (lost reasons); the label column is as wide as the
    longest label, so none is cut off or overlaps its bar."""
    row, plot_w = 26, 390
    top = max((n for _l, n in rows), default=0) or 1
    label_w = max((_text_width(label) for label, _n in rows), default=0)
    value_w = max((_text_width(str(n)) for _l, n in rows), default=0)
    width = round(label_w + plot_w + 6 + value_w)
    body = []
    for i, (label, n) in enumerate(rows):
        y = 6 + i * row
        bar_w = plot_w * n / top
        body.append(_text(0, y + 14, label))
        body.append(_bar(label_w, y + 2, bar_w, row - 8, "url(#sb-hatch)", f"{label}: {n}"))
        body.append(_text(label_w + bar_w + 6, y + 14, str(n)))
    desc = "; ".join(f"{label}: {n}" for label, n in rows)
    return _svg(width, 6 + row * max(len(rows), 1), title, desc, body)


def lift_chart(lift: Lift, title: str = "True lift") -> SafeString:
    """The difference in scheduled (or show) rate with its 95% interval, on an axis
    through zero."""
    interval = lift.interval
    width, height, pad = 640, 70, 40
    if interval is None:
        return _svg(width, 24, title, "Not enough patients", [_text(0, 16, "—")])
    low, high = interval
    span = max(abs(low), abs(high), 0.05) * 1.1
    x = lambda v: pad + (v + span) / (2 * span) * (width - 2 * pad)  # noqa: E731
    diff = lift.difference
    body = [
        f'<line x1="{pad}" y1="40" x2="{width - pad}" y2="40" stroke="{LINE}"/>',
        f'<line x1="{x(0):.1f}" y1="20" x2="{x(0):.1f}" y2="60" stroke="{MUTED}" '
        'stroke-dasharray="3 3"/>',
        _text(x(0), 14, "no difference", anchor="middle", size=10),
        f'<line x1="{x(low):.1f}" y1="40" x2="{x(high):.1f}" y2="40" stroke="{INK}" '
        'stroke-width="3"/>',
        f'<line x1="{x(low):.1f}" y1="33" x2="{x(low):.1f}" y2="47" stroke="{INK}" '
        'stroke-width="2"/>',
        f'<line x1="{x(high):.1f}" y1="33" x2="{x(high):.1f}" y2="47" stroke="{INK}" '
        'stroke-width="2"/>',
        f'<rect x="{x(diff) - 5:.1f}" y="35" width="10" height="10" fill="{INK}"/>',
        _text(x(low), 62, points(low), anchor="middle", size=10),
        _text(x(high), 62, points(high), anchor="middle", size=10),
    ]
    desc = (
        f"Difference {points(diff)} (95% interval {points(low)} to {points(high)}); "
        f"treated {lift.treated_booked} of {lift.treated_n}, held out "
        f"{lift.held_out_booked} of {lift.held_out_n}"
    )
    return _svg(width, height, title, desc, body)
