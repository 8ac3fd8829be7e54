"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

No browser is ever downloaded: the tests launch ``/usr/bin/chromium`` (``.ci/run`` installs
it with apt). Every page a test looks at is kept as a screenshot under
``artifacts/screenshots/<test>-<page>.png``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.factories import PASSWORD

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TABLET = {"width": 768, "height": 1024}
TIMEOUT_MS = 10_000  # generous: the full suite shares the machine with a Celery worker
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="package")
def browser() -> Browser:
    """One chromium for the package's tests.

    Playwright's sync API keeps an asyncio loop running on this thread, which Django takes
    for an async context; the tests' own ORM calls are synchronous, so Django's guard is
    lifted while (and only while) the browser package runs.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run).")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
            )
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server) -> Page:
    """A fresh tablet-sized browser tab on the live server; fails on any script error
    (a CSP refusal included)."""
    context = browser.new_context(viewport=TABLET, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.refusals_expected = set()  # see expect_refused
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def console(message) -> None:
        source = message.location.get("url", "")
        if message.type != "error":
            return
        # Chromium asks every site for /favicon.ico; this one has none.
        if source.endswith("/favicon.ico"):
            return
        # Chromium reports a page answered 403 or 404; fine where the test means it.
        if source in tab.refusals_expected and message.text.startswith("Failed to load resource"):
            return
        problems.append(f"console error on {tab.url} ({source}): {message.text}")

    tab.on("console", console)
    yield tab
    context.close()
    if problems:
        pytest.fail("The browser reported errors:\n" + "\n".join(problems))


@pytest.fixture
def screenshot(request):
    """``screenshot(page, "queue")`` saves artifacts/screenshots/<test>-queue.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")

    def take(tab: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{test}-{name}.png"
        # caret="initial": hiding the caret leaves style="" on every field, which htmx
        # then copies while settling a swap, and the CSP (rightly) refuses.
        tab.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return take


def log_in(tab: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the real login form, as a person would."""
    tab.goto("/accounts/login/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_role("button", name="Log out")).to_be_visible()
    # The page's deferred scripts (the queue's keyboard flow) run before "load": a key
    # pressed earlier would be lost.
    tab.wait_for_load_state("load")


def expect_refused(tab: Page, url: str) -> None:
    """Opening ``url`` (absolute) is meant to be refused, with a 403 or 404 page: the line
    Chromium logs about it is then not a browser error."""
    tab.refusals_expected.add(url)


def htmx_settled(tab: Page) -> None:
    """Wait until htmx has no request in flight and has settled its last swap.

    htmx wires up swapped-in content (its hx-* buttons and forms) when it settles, a
    moment after the new content shows: a click before then would not go through htmx.
    """
    expect(tab.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
