"""The "Not allowed" page (403) keeps the member in their practice: its header, the practice
switcher and the navigation their role has, and says why when there is a reason to say."""

from django.urls import reverse

from reactivate.models import Role
from tests.factories import EnrollmentFactory


def test_the_not_allowed_page_keeps_the_practice_header_and_navigation(
    client_for, member, practice
):
    client = client_for(member(Role.COORDINATOR))
    response = client.get(reverse("practice_settings", kwargs={"practice_slug": practice.slug}))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Not allowed" in page
    assert "Harbor Dental" in page  # the practice switcher
    assert [item["label"] for item in response.context["nav"]] == [
        "Work queue",
        "Contacts",
        "Scoreboard",
    ]
    assert 'aria-label="Main"' in page
    assert reverse("outreach:queue", kwargs={"practice_slug": practice.slug}) in page


def test_the_not_allowed_page_says_when_another_coordinator_has_the_patient(
    client_for, member, practice
):
    casey = member(Role.COORDINATOR)
    enrollment = EnrollmentFactory(campaign__practice=practice, coordinator=casey.user)
    client = client_for(member(Role.COORDINATOR))
    response = client.get(
        reverse(
            "outreach:panel",
            kwargs={"practice_slug": practice.slug, "enrollment_id": enrollment.pk},
        )
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Another coordinator is working with this patient." in page
    assert "Your role in this practice does not include this page" not in page
