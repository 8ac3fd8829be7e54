"""Every URL sends an anonymous visitor to a login page, except the public few."""

from urllib.parse import urlparse

import pytest
from django.urls import reverse

from tests.reactivate.urlconf import all_routes

PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "health",
    "admin:login",
    "admin:logout",
}
# Values for URL keywords; an anonymous visitor is turned away before any lookup.
SAMPLE = {
    "practice_slug": "harbor",
    "membership_id": 1,
    "contact_id": 1,
    "batch_id": 1,
    "candidate_id": 1,
    "campaign_id": 1,
    "template_id": 1,
    "enrollment_id": 1,
    "step_id": 1,
    "outcome_id": 1,
    "message_id": 1,
    "source_id": 1,
    "run_id": 1,
    "appointment_id": 1,
    "app_label": "reactivate",
    "model_name": "practice",
    "object_id": "1",
    "id": "1",
    "content_type_id": 1,
}


def test_every_webhook_refuses_an_unsigned_post(client, db, settings):
    settings.TWILIO_AUTH_TOKEN = "token"
    twilio = [name for name in WEBHOOKS if name.startswith("hooks:")]
    for name in twilio:
        if name in ("hooks:email_unsubscribe", "hooks:email_events", "hooks:email_replies"):
            # A signed token in the URL, and basic auth: see test_email_events and
            # tests/outreach/test_revocation.py.
            continue
        route = next(r for r in all_routes() if r.name == name)
        url = reverse(name, kwargs={k: 1 for k in route.kwargs})
        assert client.post(url, {"Body": "x"}).status_code == 403, name


# Webhooks are called by Twilio, mail providers and mail clients: each checks a signature
# (or a signed token) instead of a login; tests/outreach/test_webhooks.py covers them.
WEBHOOKS = {route.name for route in all_routes() if route.name.startswith("hooks:")}
PROTECTED = [route for route in all_routes() if route.name not in PUBLIC | WEBHOOKS]


def test_the_url_enumeration_finds_every_app():
    names = {route.name for route in PROTECTED}
    assert {"home", "contacts:index", "campaigns:index", "outreach:queue"} <= names
    assert {"scoreboard:dashboard", "practice_settings", "admin:index"} <= names


@pytest.mark.parametrize("route", PROTECTED, ids=lambda route: route.name)
def test_anonymous_visitor_is_sent_to_login(client, practice, route):
    url = reverse(route.name, kwargs={name: SAMPLE[name] for name in route.kwargs})
    response = client.get(url)
    assert response.status_code == 302
    login = reverse("admin:login") if route.namespace == "admin" else reverse("login")
    assert urlparse(response["Location"]).path == login


@pytest.mark.parametrize("name", ["login", "password_reset", "health"])
def test_public_pages_open_without_login(client, db, name):
    assert client.get(reverse(name)).status_code == 200
