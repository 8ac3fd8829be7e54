"""What each role may open and change."""

import pytest
from django.urls import reverse

from reactivate.models import Role


def url(name, practice):
    return reverse(name, kwargs={"practice_slug": practice.slug})


@pytest.mark.parametrize(
    "name", ["practice_settings", "practice_users", "contacts:imports", "campaigns:index"]
)
def test_coordinator_gets_403_on_admin_pages(client_for, member, practice, name):
    client = client_for(member(Role.COORDINATOR))
    assert client.get(url(name, practice)).status_code == 403


@pytest.mark.parametrize("name", ["outreach:queue", "contacts:index", "scoreboard:dashboard"])
def test_coordinator_opens_queue_and_contacts(client_for, member, practice, name):
    client = client_for(member(Role.COORDINATOR))
    assert client.get(url(name, practice)).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "outreach:queue",
        "contacts:index",
        "contacts:imports",
        "campaigns:index",
        "scoreboard:dashboard",
        "practice_settings",
        "practice_users",
    ],
)
def test_owner_reads_everything(client_for, member, practice, name):
    client = client_for(member(Role.OWNER))
    assert client.get(url(name, practice)).status_code == 200


def _settings_post(practice, **changes):
    data = {
        "name": practice.name,
        "time_zone": "America/Chicago",
        "country": "US",
        "default_area_code": "",
        "sending_window_start": "09:00",
        "sending_window_end": "18:00",
        "recent_activity_days": 30,
        "help_text": "",
        "postal_address": "",
    }
    return {**data, **changes}


def test_owner_cannot_change_settings(client_for, member, practice):
    client = client_for(member(Role.OWNER))
    response = client.post(url("practice_settings", practice), _settings_post(practice))
    assert response.status_code == 403
    practice.refresh_from_db()
    assert str(practice.time_zone) == "America/New_York"


def test_owner_sees_settings_read_only(client_for, member, practice):
    client = client_for(member(Role.OWNER))
    response = client.get(url("practice_settings", practice))
    assert b"Save settings" not in response.content
    assert response.context["form"].fields["name"].disabled


def test_admin_changes_settings(client_for, member, practice):
    client = client_for(member(Role.ADMIN))
    response = client.post(url("practice_settings", practice), _settings_post(practice))
    assert response.status_code == 302
    practice.refresh_from_db()
    assert str(practice.time_zone) == "America/Chicago"


def test_sending_window_must_end_after_it_starts(client_for, member, practice):
    client = client_for(member(Role.ADMIN))
    data = _settings_post(practice, sending_window_start="18:00", sending_window_end="09:00")
    response = client.post(url("practice_settings", practice), data)
    assert response.status_code == 200
    assert b"must end after it starts" in response.content


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (Role.COORDINATOR, ["Work queue", "Contacts"], ["Imports", "Settings", "Users"]),
        (Role.OWNER, ["Scoreboard", "Settings"], []),
        (Role.ADMIN, ["Imports", "Settings", "Users", "Campaigns"], []),
    ],
)
def test_navigation_follows_the_role(client_for, member, practice, role, visible, hidden):
    client = client_for(member(role))
    nav = [item["label"] for item in client.get(url("contacts:index", practice)).context["nav"]]
    assert set(visible) <= set(nav)
    assert not set(hidden) & set(nav)
