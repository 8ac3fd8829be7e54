"""Bulk "do not contact" is asked again, names who it covers, and needs a reason."""

import pytest
from django.urls import reverse

from contacts.models import Contact
from reactivate.models import Role
from tests.factories import ContactFactory


def url(name, practice, **kwargs):
    return reverse(f"contacts:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


@pytest.fixture
def coordinator_client(client_for, member):
    return client_for(member(Role.COORDINATOR))


def mark(client, practice, contacts, **data):
    return client.post(
        url("bulk", practice),
        {"contact": [c.pk for c in contacts], "action": "do_not_contact", **data},
    )


def flagged() -> list[bool]:
    return list(Contact.objects.order_by("pk").values_list("do_not_contact", flat=True))


def test_marking_do_not_contact_asks_first_and_names_the_patients(coordinator_client, practice):
    contacts = [
        ContactFactory(practice=practice, first_name="Ann", last_name="Avery"),
        ContactFactory(practice=practice, first_name="Bo", last_name="Brook"),
    ]

    page = mark(coordinator_client, practice, contacts, reason="asked by phone")

    text = page.content.decode()
    assert page.status_code == 200
    assert "Mark 2 patients do not contact?" in text
    assert "Ann Avery" in text and "Bo Brook" in text
    assert 'value="asked by phone"' in text  # what was typed on the list is kept
    assert flagged() == [False, False]


def test_confirming_without_a_reason_is_refused_and_keeps_the_selection(
    coordinator_client, practice
):
    contacts = ContactFactory.create_batch(2, practice=practice)

    page = mark(coordinator_client, practice, contacts, reason="  ", confirmed="yes")

    text = page.content.decode()
    assert "Give the reason: it is kept with each patient" in text
    assert sorted(page.context["ids"]) == sorted(c.pk for c in contacts)
    assert flagged() == [False, False]


def test_a_reason_too_long_is_refused_and_kept_as_typed(coordinator_client, practice):
    contact = ContactFactory(practice=practice)
    reason = "x" * 201

    page = mark(coordinator_client, practice, [contact], reason=reason, confirmed="yes")

    assert "Keep the reason to 200 characters (this one is 201)." in page.content.decode()
    assert f'value="{reason}"' in page.content.decode()
    assert flagged() == [False]


def test_confirming_with_a_reason_marks_the_selection(coordinator_client, practice):
    contacts = ContactFactory.create_batch(2, practice=practice)
    ContactFactory(practice=practice)

    response = mark(coordinator_client, practice, contacts, reason="moved away", confirmed="yes")

    assert response.status_code == 302
    assert flagged() == [True, True, False]
    assert set(
        Contact.objects.filter(do_not_contact=True).values_list("do_not_contact_reason", flat=True)
    ) == {"moved away"}


def test_the_confirmation_never_names_another_practices_patient(
    coordinator_client, practice, other_practice
):
    mine = ContactFactory(practice=practice, first_name="Ann", last_name="Avery")
    foreign = ContactFactory(practice=other_practice, first_name="Zed", last_name="Zulu")

    page = mark(coordinator_client, practice, [mine, foreign], reason="asked")

    text = page.content.decode()
    assert "Mark 1 patient do not contact?" in text and "Zed Zulu" not in text
    assert page.context["ids"] == [mine.pk]
