"""The contacts list, a contact's page, and bulk actions."""

import pytest
from django.urls import reverse

from campaigns.models import OutcomeKind
from campaigns.outcomes import outcome_record
from contacts.models import Contact, LastOutcome
from outreach.models import Message
from reactivate.models import AuditEvent, Role
from tests.factories import CampaignFactory, ContactFactory, EnrollmentFactory


def url(name, practice, **kwargs):
    return reverse(f"contacts:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


@pytest.fixture
def coordinator(member):
    return member(Role.COORDINATOR)


def test_list_shows_counts_per_bucket(client_for, coordinator, practice):
    ContactFactory.create_batch(2, practice=practice, last_outcome=LastOutcome.INQUIRY)
    ContactFactory(practice=practice, last_outcome=LastOutcome.NO_SHOW)
    response = client_for(coordinator).get(url("index", practice))
    tiles = dict(response.context["bucket_tiles"])
    assert tiles["Stalled after inquiry"] == 2 and tiles["Stalled after scheduling"] == 1


def test_search_is_posted_and_finds_by_name_phone_or_email(client_for, coordinator, practice):
    ContactFactory(practice=practice, first_name="Rosa", last_name="Parks", phone="+12125550142")
    ContactFactory(practice=practice, first_name="Ada", last_name="King", email="ada@example.com")
    client = client_for(coordinator)
    for text, found in [("rosa par", "Rosa"), ("555-0142", "Rosa"), ("ada@exa", "Ada")]:
        response = client.post(
            url("index", practice), {"search": text}, headers={"HX-Request": "true"}
        )
        names = [c.first_name for c in response.context["page"]]
        assert names == [found], text


def test_filters_by_bucket_and_textable_number(client_for, coordinator, practice):
    ContactFactory(practice=practice, first_name="Text", last_outcome=LastOutcome.NOT_NOW)
    ContactFactory(
        practice=practice,
        first_name="Nope",
        last_outcome=LastOutcome.NOT_NOW,
        phone="",
        phone_valid=False,
    )
    response = client_for(coordinator).post(
        url("index", practice), {"bucket": "not_now", "textable": "yes"}
    )
    assert [c.first_name for c in response.context["page"]] == ["Text"]


def test_list_paginates(client_for, coordinator, practice):
    ContactFactory.create_batch(55, practice=practice)
    response = client_for(coordinator).post(url("index", practice), {"page": 2})
    assert len(response.context["page"].object_list) == 5


def test_list_query_count_does_not_grow_with_the_page(
    client_for, coordinator, practice, django_assert_max_num_queries
):
    ContactFactory.create_batch(50, practice=practice, assigned_to=coordinator.user)
    client = client_for(coordinator)
    with django_assert_max_num_queries(12):
        client.get(url("index", practice))


def test_contact_page_is_audited(client_for, coordinator, practice):
    contact = ContactFactory(practice=practice)
    response = client_for(coordinator).get(url("detail", practice, contact_id=contact.pk))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="viewed")
    assert (event.object_type, event.object_id) == ("contacts.contact", str(contact.pk))


def test_contact_page_shows_the_patients_outcomes_and_texts(client_for, coordinator, practice):
    contact = ContactFactory(practice=practice)
    enrollment = EnrollmentFactory(contact=contact, campaign=CampaignFactory(practice=practice))
    outcome_record(contact=contact, enrollment=enrollment, kind=OutcomeKind.LEFT_VOICEMAIL)
    Message.objects.create(
        practice=practice, contact=contact, direction="in", channel="sms", body="Tuesday works"
    )
    response = client_for(coordinator).get(url("detail", practice, contact_id=contact.pk))
    page = response.content.decode()
    assert f"Left voicemail ({enrollment.campaign.name})" in page
    assert "Text received" in page and "Tuesday works" in page


def test_contact_page_query_count_does_not_grow_with_the_history(
    client_for, coordinator, practice, django_assert_max_num_queries
):
    contact = ContactFactory(practice=practice)
    for _ in range(10):
        enrollment = EnrollmentFactory(
            contact=contact, campaign=CampaignFactory(practice=practice), state="completed"
        )
        outcome_record(contact=contact, enrollment=enrollment, kind=OutcomeKind.NO_ANSWER)
    client = client_for(coordinator)
    # The edit forms add three, whatever the history: the coordinators to assign to, the
    # patient's open enrollment and the running campaigns; the consent record two (its
    # events, and the imports it came in).
    with django_assert_max_num_queries(21):
        client.get(url("detail", practice, contact_id=contact.pk))


def test_bulk_assign_to_a_coordinator(client_for, coordinator, practice):
    contacts = ContactFactory.create_batch(3, practice=practice)
    client_for(coordinator).post(
        url("bulk", practice),
        {
            "contact": [c.pk for c in contacts[:2]],
            "action": "assign",
            "coordinator": coordinator.user.pk,
        },
    )
    assert Contact.objects.filter(assigned_to=coordinator.user).count() == 2


def test_bulk_mark_do_not_contact(client_for, coordinator, practice):
    contact = ContactFactory(practice=practice)
    client_for(coordinator).post(
        url("bulk", practice),
        {
            "contact": [contact.pk],
            "action": "do_not_contact",
            "reason": "asked by phone",
            "confirmed": "yes",
        },
    )
    contact.refresh_from_db()
    assert contact.do_not_contact and contact.do_not_contact_reason == "asked by phone"


def test_bulk_actions_ignore_other_practices_contacts(
    client_for, coordinator, practice, other_practice
):
    foreign = ContactFactory(practice=other_practice)
    client_for(coordinator).post(
        url("bulk", practice),
        {
            "contact": [foreign.pk],
            "action": "do_not_contact",
        },
    )
    foreign.refresh_from_db()
    assert not foreign.do_not_contact


def test_cannot_assign_to_someone_outside_the_practice(
    client_for, coordinator, practice, member, other_practice
):
    outsider = member(Role.COORDINATOR, in_practice=other_practice).user
    contact = ContactFactory(practice=practice)
    client_for(coordinator).post(
        url("bulk", practice),
        {
            "contact": [contact.pk],
            "action": "assign",
            "coordinator": outsider.pk,
        },
    )
    contact.refresh_from_db()
    assert contact.assigned_to is None


def test_export_is_for_owners_and_admins_and_audited(client_for, member, practice):
    ContactFactory(practice=practice)
    assert client_for(member(Role.COORDINATOR)).get(url("export", practice)).status_code == 403
    response = client_for(member(Role.OWNER)).get(url("export", practice))
    assert b"".join(response.streaming_content).count(b"\n") == 2
    assert AuditEvent.objects.filter(action="exported").count() == 1
