"""Admins manage who works in their practice."""

from django.core import mail
from django.urls import reverse

from reactivate.models import Membership, Role


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
