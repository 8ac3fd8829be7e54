"""The scoreboard's SVG charts keep every label whole and inside the drawing."""

import re

from scoreboard.charts import _text_width, bars_chart, funnel_chart

LONG = "Went with another practice closer to home, with evening hours"


def drawn(svg: str) -> tuple[float, list[tuple[float, str]]]:
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    texts = [(float(x), words) for x, words in re.findall(r'<text x="([\d.]+)"[^>]*>([^<]*)<', svg)]
    return width, texts


def test_a_long_lost_reason_is_shown_whole_and_inside_the_chart():
    width, texts = drawn(str(bars_chart("What mattered most", [(LONG, 12), ("Price", 3)])))
    assert LONG in [words for _x, words in texts]
    assert all(x + _text_width(words) <= width for x, words in texts)


def test_a_long_lost_reason_does_not_run_into_its_bar():
    svg = str(bars_chart("What mattered most", [(LONG, 12)]))
    bar_x = float(re.search(r'<rect x="([\d.]+)"[^>]*fill="url\(#sb-hatch\)"', svg).group(1))
    assert _text_width(LONG) <= bar_x


def test_the_funnels_counts_and_shares_stay_inside_the_chart():
    stages = [("contacted", 12345), ("replied", 6789), ("scheduled", 12345)]
    width, texts = drawn(str(funnel_chart(stages)))
    assert "12345 (100.0% of contacted)" in [words for _x, words in texts]
    assert all(x + _text_width(words) <= width for x, words in texts)
