"""Admins manage who works in their practice."""

import re

from django.core import mail
from django.urls import reverse

from reactivate.models import Membership, Role
from tests.factories import PASSWORD


def test_admin_adds_a_new_person_who_gets_a_password_link(
    client_for, member, practice, django_capture_on_commit_callbacks
):
    client = client_for(member(Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("practice_users", kwargs={"practice_slug": practice.slug}),
            {"email": "New.Coordinator@Example.com", "role": Role.COORDINATOR},
        )
    assert response.status_code == 302
    added = Membership.objects.get(practice=practice, user__email="new.coordinator@example.com")
    assert added.role == Role.COORDINATOR
    assert not added.user.has_usable_password()
    assert mail.outbox[0].to == ["new.coordinator@example.com"]


def test_the_last_admin_cannot_be_removed(client_for, member, practice):
    admin = member(Role.ADMIN)
    client = client_for(admin)
    url = reverse(
        "member_remove", kwargs={"practice_slug": practice.slug, "membership_id": admin.pk}
    )
    response = client.post(url, follow=True)
    assert Membership.objects.filter(pk=admin.pk).exists()
    assert b"at least one admin" in response.content


def test_admin_changes_a_role(client_for, member, practice):
    client = client_for(member(Role.ADMIN))
    coordinator = member(Role.COORDINATOR)
    url = reverse(
        "member_role", kwargs={"practice_slug": practice.slug, "membership_id": coordinator.pk}
    )
    client.post(url, {"role": Role.OWNER})
    coordinator.refresh_from_db()
    assert coordinator.role == Role.OWNER


def test_owner_cannot_add_people(client_for, member, practice):
    client = client_for(member(Role.OWNER))
    response = client.post(
        reverse("practice_users", kwargs={"practice_slug": practice.slug}),
        {"email": "someone@example.com", "role": Role.ADMIN},
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="someone@example.com").exists()


def test_the_invitation_names_the_practice_and_who_invited(
    client_for, member, practice, django_capture_on_commit_callbacks
):
    admin = member(Role.ADMIN, user__first_name="Alex", user__last_name="Admin")
    client = client_for(admin)
    practice.name = "Smith & Jones Dental"
    practice.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("practice_users", kwargs={"practice_slug": practice.slug}),
            {"email": "nora@example.com", "role": Role.COORDINATOR},
        )
    (invitation,) = mail.outbox
    assert invitation.subject == "Alex Admin added you to Smith & Jones Dental on Reactivate"
    assert f"Alex Admin ({admin.user.email}) added you to Smith & Jones Dental" in invitation.body
    assert "Your role there: Coordinator." in invitation.body
    assert "/accounts/password/reset/" in invitation.body


def test_the_users_list_shows_who_is_invited_and_has_not_accepted(
    client, client_for, member, practice, django_capture_on_commit_callbacks
):
    admin_client = client_for(member(Role.ADMIN, user__username="alex"))
    users = reverse("practice_users", kwargs={"practice_slug": practice.slug})
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(users, {"email": "nora@example.com", "role": Role.COORDINATOR})
    rows = _rows(admin_client.get(users))
    assert "Invited" in rows["nora@example.com"] and "not accepted yet" in rows["nora@example.com"]
    assert "Active" in rows["alex"]


def test_an_invited_member_who_sets_a_password_shows_as_active(
    client, client_for, member, practice, django_capture_on_commit_callbacks
):
    admin_client = client_for(member(Role.ADMIN, user__username="alex"))
    users = reverse("practice_users", kwargs={"practice_slug": practice.slug})
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(users, {"email": "nora@example.com", "role": Role.COORDINATOR})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    set_password = client.get(link.split("testserver", 1)[1], follow=True)
    client.post(
        set_password.redirect_chain[-1][0],
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    rows = _rows(admin_client.get(users))
    assert "Active" in rows["nora@example.com"]
    assert "not accepted" not in rows["nora@example.com"]


def _rows(response) -> dict[str, str]:
    """The users table's rows, by the first cell's text (name or username)."""
    page = response.content.decode()
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        text = re.sub(r"<[^>]+>", " ", row)
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        rows[re.sub(r"<[^>]+>", "", cells[0]).strip()] = " ".join(text.split())
    return rows
