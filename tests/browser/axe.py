"""axe-core on a page as it is now: every violation, whatever its impact, one readable block each.

axe-core comes bundled in axe-playwright-python (no download); it is injected through
Playwright's evaluate, which the page's CSP (scripts only from self) does not govern.
axe's experimental rules are switched on too: ``label-content-name-mismatch`` (a control
whose accessible name does not contain its visible words, so "click Harbor Dental" in voice
control misses it) is one of them.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

AXE = Axe()
EXPERIMENTAL_RULES = (
    "css-orientation-lock",
    "focus-order-semantics",
    "label-content-name-mismatch",
    "p-as-heading",
    "table-fake-caption",
    "td-has-header",
)
OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {rule: {"enabled": True} for rule in EXPERIMENTAL_RULES},
}

# axe 4.7+ no longer reports duplicate ids; a label's "for" still finds only the first.
DUPLICATE_IDS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll("[id]")) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.keys(seen).filter((id) => seen[id] > 1);
}"""

OPEN_EVERY_DISCLOSURE = """() => {
  for (const details of document.querySelectorAll("details")) details.open = true;
}"""


def axe_violations(page: Page, name: str, *, open_disclosures: bool = False) -> list[str]:
    """Every axe violation on the page (any impact), and any id used twice, as lines naming
    the page, the rule, the element and what to fix. ``open_disclosures`` opens every
    ``<details>`` first, so what they hide is checked too."""
    if open_disclosures:
        page.evaluate(OPEN_EVERY_DISCLOSURE)
    lines = [
        f"[{name}] duplicate id {ident!r}: a label or ARIA reference finds only the first"
        for ident in page.evaluate(DUPLICATE_IDS)
    ]
    for violation in AXE.run(page, options=OPTIONS).response["violations"]:
        lines.append(
            f"[{name}] {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n        ")
            lines.append(f"        {summary}")
    return lines


def assert_accessible(found: dict[str, list[str]]) -> None:
    """Fail, listing every problem, unless every page checked had none."""
    problems = [line for lines in found.values() for line in lines]
    heading = f"axe-core found accessibility problems on {sum(map(bool, found.values()))} page(s):"
    assert not problems, "\n".join([heading, *problems])
