"""Where a user lands after logging in, and the practice switcher."""

import pytest
from django.urls import reverse

from reactivate.models import Role


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.COORDINATOR, "outreach:queue"),
        (Role.OWNER, "scoreboard:dashboard"),
        (Role.ADMIN, "contacts:index"),
    ],
)
def test_single_practice_user_lands_on_their_roles_page(
    client_for, member, practice, role, landing
):
    response = client_for(member(role)).get(reverse("home"))
    assert response["Location"] == reverse(landing, kwargs={"practice_slug": practice.slug})


def test_user_of_several_practices_chooses_and_switches(client_for, member, other_practice):
    membership = member(Role.COORDINATOR)
    member(Role.OWNER, user=membership.user, in_practice=other_practice)
    client = client_for(membership)
    choices = client.get(reverse("home"))
    assert {m.practice.slug for m in choices.context["choices"]} == {"harbor", "elm"}
    page = client.get(reverse("outreach:queue", kwargs={"practice_slug": "harbor"}))
    switcher = page.content.decode()
    assert reverse("practice_home", kwargs={"practice_slug": "elm"}) in switcher
    switched = client.get(reverse("practice_home", kwargs={"practice_slug": "elm"}))
    assert switched["Location"] == reverse("scoreboard:dashboard", kwargs={"practice_slug": "elm"})


def test_user_without_practice_sees_an_explanation(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert b"not a member of any practice" in response.content


@pytest.mark.parametrize(
    "name", ["outreach:queue", "contacts:index", "campaigns:index", "scoreboard:dashboard"]
)
def test_every_landing_page_has_an_empty_state(client_for, member, practice, name):
    client = client_for(member(Role.ADMIN))
    response = client.get(reverse(name, kwargs={"practice_slug": practice.slug}))
    assert b'class="empty"' in response.content
