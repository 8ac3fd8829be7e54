"""A contact's page: what it shows, and the edits coordinators and admins make there."""

import datetime as dt

import pytest
from django.urls import reverse

from campaigns.models import CampaignStatus, Enrollment, State
from contacts.dedupe import contact_merge
from contacts.models import Contact
from reactivate.models import AuditEvent, Role
from tests.factories import CampaignFactory, ContactFactory, EnrollmentFactory


def url(name, contact, **kwargs):
    return reverse(
        f"contacts:{name}",
        kwargs={"practice_slug": contact.practice.slug, "contact_id": contact.pk, **kwargs},
    )


def edit_data(contact, **changes):
    data = {
        "phone": contact.phone_raw,
        "email": contact.email_raw,
        "assigned_to": "",
        "notes": contact.notes,
    }
    return {**data, **changes}


@pytest.fixture
def contact(practice):
    return ContactFactory(practice=practice, phone="+16175550134", phone_raw="+16175550134")


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_coordinators_and_admins_can_change_the_phone(client_for, member, contact, role):
    client = client_for(member(role))
    response = client.post(url("edit", contact), edit_data(contact, phone="617 555 0199"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.phone, contact.phone_raw, contact.phone_valid) == (
        "+16175550199",
        "617 555 0199",
        True,
    )


def test_an_owner_reads_the_page_but_cannot_edit(client_for, member, contact):
    client = client_for(member(Role.OWNER))
    page = client.get(url("detail", contact))
    assert page.status_code == 200 and "Save changes" not in page.content.decode()
    for name, data in [
        ("edit", edit_data(contact, phone="617 555 0199")),
        ("do_not_contact", {"reason": "asked by phone"}),
        ("enroll", {"campaign": "1"}),
    ]:
        assert client.post(url(name, contact), data).status_code == 403, name
    contact.refresh_from_db()
    assert contact.phone == "+16175550134" and not contact.do_not_contact


def test_an_edit_is_audited_with_the_field_names_only(client_for, member, contact):
    client_for(member(Role.COORDINATOR)).post(
        url("edit", contact), edit_data(contact, email="Rosa@Example.com", notes="Prefers mornings")
    )
    event = AuditEvent.objects.get(action="changed")
    assert (event.object_type, event.object_id) == ("contacts.contact", str(contact.pk))
    assert event.detail == {"fields": ["email", "notes"]}


def test_email_is_cleaned_as_the_import_cleans_it(client_for, member, contact):
    client_for(member(Role.COORDINATOR)).post(
        url("edit", contact), edit_data(contact, email=" mailto:Rosa@Example.COM ")
    )
    contact.refresh_from_db()
    assert (contact.email, contact.email_valid) == ("rosa@example.com", True)


def test_an_invalid_phone_is_refused_and_what_was_typed_stays(client_for, member, contact):
    response = client_for(member(Role.COORDINATOR)).post(
        url("edit", contact), edit_data(contact, phone="555-01", notes="Call after 5")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a phone number we can dial" in page
    assert 'value="555-01"' in page and "Call after 5" in page
    contact.refresh_from_db()
    assert contact.phone == "+16175550134" and contact.notes == ""


def test_an_invalid_email_is_refused_with_a_reason(client_for, member, contact):
    response = client_for(member(Role.COORDINATOR)).post(
        url("edit", contact), edit_data(contact, email="rosa@")
    )
    assert "is not an email address we can write to" in response.content.decode()
    assert response.context["edit_form"]["email"].value() == "rosa@"


def test_assigning_a_coordinator_of_the_practice(client_for, member, contact):
    coordinator = member(Role.COORDINATOR)
    client_for(coordinator).post(
        url("edit", contact), edit_data(contact, assigned_to=str(coordinator.user.pk))
    )
    contact.refresh_from_db()
    assert contact.assigned_to == coordinator.user


def test_do_not_contact_needs_a_reason(client_for, member, contact):
    response = client_for(member(Role.COORDINATOR)).post(
        url("do_not_contact", contact), {"reason": "  "}
    )
    assert "Give the reason" in response.content.decode()
    contact.refresh_from_db()
    assert not contact.do_not_contact
    assert not AuditEvent.objects.filter(action="changed").exists()


def test_do_not_contact_is_set_with_its_reason_and_audited(client_for, member, contact):
    client_for(member(Role.ADMIN)).post(
        url("do_not_contact", contact), {"reason": "asked by phone on Monday"}
    )
    contact.refresh_from_db()
    assert (contact.do_not_contact, contact.do_not_contact_reason) == (
        True,
        "asked by phone on Monday",
    )
    assert AuditEvent.objects.get(action="changed").detail == {"do_not_contact": "set"}


def test_do_not_contact_can_be_cleared_and_the_clearing_is_audited(client_for, member, practice):
    contact = ContactFactory(
        practice=practice, do_not_contact=True, do_not_contact_reason="Do not contact (tap)"
    )
    client = client_for(member(Role.COORDINATOR))
    page = client.get(url("detail", contact)).content.decode()
    assert "Clear do not contact" in page
    clear = {"clear": "yes", "set_with": "Do not contact (tap)"}
    client.post(url("do_not_contact", contact), clear)
    contact.refresh_from_db()
    assert (contact.do_not_contact, contact.do_not_contact_reason) == (False, "")
    assert AuditEvent.objects.get(action="changed").detail == {"do_not_contact": "cleared"}


def test_clearing_leaves_a_flag_set_since_for_another_reason(client_for, member, practice):
    contact = ContactFactory(
        practice=practice, do_not_contact=True, do_not_contact_reason="asked by letter"
    )
    client_for(member(Role.COORDINATOR)).post(
        url("do_not_contact", contact), {"clear": "yes", "set_with": "an older reason"}
    )
    contact.refresh_from_db()
    assert contact.do_not_contact


def test_the_page_shows_the_emr_id_and_date_of_birth(client_for, member, practice):
    contact = ContactFactory(
        practice=practice, external_id="EMR-4471", date_of_birth=dt.date(1948, 12, 22)
    )
    page = client_for(member(Role.OWNER)).get(url("detail", contact)).content.decode()
    assert "EMR-4471" in page and "Dec 22, 1948" in page


def test_an_invalid_number_does_not_read_texts_allowed(client_for, member, practice):
    contact = ContactFactory(practice=practice, phone="", phone_raw="555-01", phone_valid=False)
    response = client_for(member(Role.COORDINATOR)).get(url("detail", contact))
    states = {c.label: c.words for c in response.context["channels"]}
    assert states["Texts"] == "Not possible: no valid mobile number"
    assert "Not possible: no valid mobile number" in response.content.decode()


def test_a_valid_number_reads_texts_allowed_in_national_format(client_for, member, contact):
    response = client_for(member(Role.COORDINATOR)).get(url("detail", contact))
    assert {c.label: c.words for c in response.context["channels"]}["Texts"] == "Allowed"
    assert "(617) 555-0134" in response.content.decode()


def test_the_timeline_names_the_merged_record(client_for, member, practice):
    survivor = ContactFactory(practice=practice, first_name="José", last_name="Muñoz-Peña")
    merged = ContactFactory(
        practice=practice, first_name="Jose", last_name="Munoz Pena", external_id="B-17"
    )
    contact_merge(survivor=survivor, merged=merged)
    page = client_for(member(Role.COORDINATOR)).get(url("detail", survivor)).content.decode()
    assert "Merged another record into this one: Jose Munoz Pena, EMR id B-17" in page


def test_enrolling_from_the_page_plans_the_touches(client_for, member, practice, contact):
    campaign = CampaignFactory(practice=practice, status=CampaignStatus.RUNNING)
    client = client_for(member(Role.COORDINATOR))
    response = client.post(url("enroll", contact), {"campaign": str(campaign.pk)})
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(contact=contact)
    assert (enrollment.campaign, enrollment.state, enrollment.bucket) == (
        campaign,
        State.ACTIVE,
        "inquiry",
    )
    assert enrollment.touches.exists()
    assert AuditEvent.objects.filter(action="changed", object_id=str(contact.pk)).exists()


def test_a_patient_in_an_open_enrollment_is_not_enrolled_again(
    client_for, member, practice, contact
):
    EnrollmentFactory(campaign__practice=practice, contact=contact)
    other = CampaignFactory(practice=practice, status=CampaignStatus.RUNNING)
    client = client_for(member(Role.COORDINATOR))
    page = client.get(url("detail", contact)).content.decode()
    assert "Enroll in this campaign" not in page and "Enrolled in" in page
    response = client.post(url("enroll", contact), {"campaign": str(other.pk)})
    assert response.status_code == 200
    assert Enrollment.objects.filter(contact=contact).count() == 1


def test_a_do_not_contact_patient_is_not_enrolled_and_told_why(client_for, member, practice):
    contact = ContactFactory(practice=practice, do_not_contact=True, do_not_contact_reason="x")
    campaign = CampaignFactory(practice=practice, status=CampaignStatus.RUNNING)
    response = client_for(member(Role.COORDINATOR)).post(
        url("enroll", contact), {"campaign": str(campaign.pk)}
    )
    assert "Not enrolled: do not contact." in response.content.decode()
    assert not Enrollment.objects.filter(contact=contact).exists()


def test_another_practices_contact_cannot_be_edited(client_for, member, other_practice):
    stranger = ContactFactory(practice=other_practice)
    response = client_for(member(Role.ADMIN)).post(
        reverse("contacts:edit", kwargs={"practice_slug": "harbor", "contact_id": stranger.pk}),
        {"phone": "617 555 0199"},
    )
    assert response.status_code == 404
    assert Contact.objects.get(pk=stranger.pk).phone == stranger.phone
