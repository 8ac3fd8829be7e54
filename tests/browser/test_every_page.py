"""axe-core on every page anyone can reach: the gate.

The pages come from the URLconf, not from a hand-kept list: every named URL is visited (as
each role, or signed out for the public ones) unless it is listed in ``NOT_PAGES`` with the
reason it is not a page. A new URL is therefore visited automatically; one that needs an id
the seeded practice does not provide, or that does not answer a visit with a page, fails
the test by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from reactivate.access import VIEW_ROLES
from reactivate.models import Role
from tests.browser.axe import assert_accessible, axe_violations
from tests.browser.conftest import expect_refused, htmx_settled, log_in
from tests.browser.data import SITE_KEYWORDS, Site, site
from tests.reactivate.urlconf import Route, all_routes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Named URLs that are not pages, and why. Everything else is visited.
NOT_PAGES = {
    "health": "JSON for the load balancer",
    "logout": "the Log out button's POST",
    "member_role": "a POST from the users page",
    "member_remove": "a POST from the users page",
    "contacts:bulk": "a POST from the contacts list",
    "contacts:export": "a CSV download",
    "contacts:edit": "a POST from the contact page",
    "contacts:do_not_contact": "a POST from the contact page",
    "contacts:enroll": "a POST from the contact page",
    "contacts:import_preview": "a POST answered with a part of the import page",
    "contacts:import_start": "a POST from the import page",
    "contacts:import_header": "a POST from the import page (the header row chosen)",
    "contacts:import_delete": "a POST from the import page (an upload deleted before it runs)",
    "contacts:import_progress": "a part of the import page, polled while an import runs",
    "contacts:import_report": "a CSV download",
    "contacts:synonym_add": "a POST from the imports page",
    "campaigns:preview": "a POST answered with a part of the new-campaign page",
    "campaigns:control": "a POST from the campaign page",
    "campaigns:step_add": "a POST from the sequence page",
    "campaigns:step_save": "a POST from the sequence page",
    "campaigns:tone_check": "a POST answered with a part of the template page",
    "outreach:outcome": "a POST from the patient panel",
    "outreach:reply": "a POST from the patient panel",
    "outreach:call": "a POST from the patient panel",
    "outreach:voicemail": "a POST from the patient panel",
    "outreach:undo": "a POST from the patient panel",
    "outreach:reply_planned": "a POST from the patient panel (edit or cancel a planned reply)",
    "scoreboard:export_scoreboard": "a CSV download",
    "scoreboard:export_outcomes": "a CSV download",
    "schedule:upload_cancel": "a POST from the upload's columns page (delete before syncing)",
    "schedule:sync_now": "a POST from the schedule page",
    "outreach:consent_written": "a POST from the contact page's consent section",
    "outreach:consent_revoked": "a POST from the contact page's consent section",
}
NOT_PAGES_NAMESPACES = {
    "admin": "Django's own admin site: staff only, and no practice role is staff",
    "hooks": "called by Twilio and mail providers, not people",
}
# Pages for someone signed out (a patient's unsubscribe page among them).
PUBLIC_PAGES = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "hooks:email_unsubscribe",
}
USERNAMES = {Role.COORDINATOR: "casey", Role.OWNER: "olive", Role.ADMIN: "alex"}


def is_a_page(route: Route) -> bool:
    if route.name in PUBLIC_PAGES:
        return True
    return route.name not in NOT_PAGES and route.namespace not in NOT_PAGES_NAMESPACES


def member_pages() -> list[Route]:
    return [route for route in all_routes() if is_a_page(route) and route.name not in PUBLIC_PAGES]


def public_pages() -> list[Route]:
    return [route for route in all_routes() if route.name in PUBLIC_PAGES]


def member_urls(route: Route, values: dict[str, list]) -> list[str]:
    """The route's URL for every combination of seeded ids it takes."""
    missing = [name for name in route.kwargs if name not in values]
    if missing:
        raise LookupError(
            f"{route.name} takes {', '.join(missing)}, which the seeded practice has no value "
            "for: add one to site() in tests/browser/data.py (or, if it is not a page, list "
            "it in NOT_PAGES with why)."
        )
    choices = [[(name, value) for value in values[name]] for name in route.kwargs]
    return [reverse(route.name, kwargs=dict(combination)) for combination in product(*choices)]


@pytest.fixture
def seeded(practice, other_practice, member) -> Site:
    coordinator = member(Role.COORDINATOR, user__username=USERNAMES[Role.COORDINATOR])
    member(Role.OWNER, user__username=USERNAMES[Role.OWNER])
    admin = member(Role.ADMIN, user__username=USERNAMES[Role.ADMIN])
    # The admin works for two practices, so the home page offers a choice.
    member(Role.ADMIN, user=admin.user, in_practice=other_practice)
    seeded = site(practice, coordinator.user)
    assert set(seeded.ids) == SITE_KEYWORDS
    return seeded


@dataclass
class Answer:
    status: int
    content_type: str


def visit(page: Page, live_server, url: str, *, refused: bool = False) -> Answer:
    """Open ``url`` and wait for htmx to settle; ``refused``: a 403 or 404 is the point.

    An answer with no body (a 405 to a POST-only URL) is no page: Chromium then shows its
    own error page, which is reported as the answer's status, not as a browser error."""
    if refused:
        expect_refused(page, live_server.url + url)
        expect_refused(page, "chrome-error://chromewebdata/")
    try:
        response = page.goto(url)
    except PlaywrightError:
        answer = page.request.get(url, max_redirects=0)
        return Answer(answer.status, answer.headers.get("content-type", ""))
    htmx_settled(page)
    return Answer(response.status, response.headers.get("content-type", ""))


def may_view(role: Role, url: str) -> bool:
    area = getattr(resolve(url).func, "practice_area", None)
    return area is None or role in VIEW_ROLES[area]


def test_every_url_is_a_page_the_sweep_can_open_or_is_named_as_not_a_page():
    unknown = [
        f"{route.name} takes {', '.join(sorted(set(route.kwargs) - SITE_KEYWORDS))}"
        for route in member_pages()
        if set(route.kwargs) - SITE_KEYWORDS
    ]
    assert not unknown, (
        "Pages the accessibility sweep cannot open (give the seeded practice an id for them "
        "in tests/browser/data.py, or list them in NOT_PAGES with why):\n" + "\n".join(unknown)
    )


@pytest.mark.parametrize("role", list(USERNAMES), ids=str)
def test_every_page_a_member_can_reach_has_no_accessibility_violations(
    page, live_server, seeded, role
):
    """Each role opens every page. Those its role does not include answer with the "Not
    allowed" page (checked once per role, like a refusal for another reason, such as a
    patient another coordinator is working with); a missing record with "Page not found"."""
    log_in(page, USERNAMES[role])
    found: dict[str, list[str]] = {}
    wrong: list[str] = []
    refusal_checked = False
    for route in member_pages():
        for url in member_urls(route, seeded.ids):
            name = f"{role} at {route.name} ({url})"
            response = visit(page, live_server, url, refused=True)
            refused = response.status == 403 and page.title().startswith("Not allowed")
            html = "text/html" in response.content_type
            if not html or not (response.status == 200 or refused):
                wrong.append(f"{name}: answered {response.status} {response.content_type}")
                continue
            if not may_view(role, url) and not refused:
                wrong.append(f"{name}: opened, though the role does not include it")
            if refused:
                if refusal_checked:
                    continue
                refusal_checked = True
            found[name] = axe_violations(page, name, open_disclosures=True)
    missing = reverse("contacts:detail", kwargs={"practice_slug": "harbor", "contact_id": 0})
    assert visit(page, live_server, missing, refused=True).status == 404
    found[f"{role} at a page not found"] = axe_violations(page, "page not found")
    assert not wrong, (
        "Pages that did not answer with a page (a URL that is not a page belongs in "
        "NOT_PAGES, with why):\n" + "\n".join(wrong)
    )
    assert_accessible(found)


def test_every_page_for_someone_signed_out_has_no_accessibility_violations(
    page, live_server, seeded
):
    user = get_user_model().objects.get(username=USERNAMES[Role.COORDINATOR])
    values = {
        "uidb64": [urlsafe_base64_encode(force_bytes(user.pk))],
        "token": [default_token_generator.make_token(user)],
    }
    found: dict[str, list[str]] = {}
    for route in public_pages():
        if route.name == "hooks:email_unsubscribe":
            urls = [reverse(route.name, kwargs={"token": seeded.unsubscribe_token})]
        else:
            urls = member_urls(route, values)
        for url in urls:
            name = f"signed out at {route.name}"
            response = visit(page, live_server, url)
            assert response.status == 200, f"{name}: answered {response.status}"
            found[name] = axe_violations(page, name, open_disclosures=True)
            if route.name == "hooks:email_unsubscribe":
                page.get_by_role("button", name="Unsubscribe me").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("You're unsubscribed")
                found["signed out, unsubscribed"] = axe_violations(page, "unsubscribed")
    # The login form's refusal, then the lockout page its repetition leads to.
    login = reverse("login")
    expect_refused(page, live_server.url + login)
    visit(page, live_server, login)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Username").fill("someone")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        if attempt == 0:
            expect(page.get_by_role("alert")).to_contain_text("do not match")
            found["signed out, a failed login"] = axe_violations(page, "failed login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Account locked")
    found["signed out, locked out"] = axe_violations(page, "locked out")
    assert_accessible(found)
