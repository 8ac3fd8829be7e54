"""The shows page: mark showed / no-show in bulk (results from the practice's schedule are
synced by ``schedule``; the results upload is gone)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from campaigns.models import Outcome, OutcomeKind, State
from reactivate.models import AuditEvent, Role
from tests.factories import ContactFactory, EnrollmentFactory
from tests.scoreboard.scenario import NOW

pytestmark = pytest.mark.django_db


def url(practice):
    return reverse("scoreboard:shows", kwargs={"practice_slug": practice.slug})


def appointment(practice, external_id, when=None, **kwargs):
    contact = ContactFactory(practice=practice, external_id=external_id)
    return EnrollmentFactory(
        campaign__practice=practice,
        contact=contact,
        state=State.SCHEDULED,
        appointment_at=when or NOW - dt.timedelta(days=2),
        **kwargs,
    )


@pytest.fixture
def owner(client_for, member):
    return client_for(member(Role.OWNER))


def post(client, practice, data):
    with time_machine.travel(NOW, tick=False):
        return client.post(url(practice), data, follow=True)


def results(enrollment):
    return list(Outcome.objects.filter(enrollment=enrollment).values_list("kind", flat=True))


def test_the_page_lists_appointments_waiting_for_a_result(owner, practice):
    waiting = appointment(practice, "A1")
    appointment(practice, "A2", when=NOW + dt.timedelta(days=3))  # still to come
    with time_machine.travel(NOW, tick=False):
        response = owner.get(url(practice))
    assert [e.pk for e in response.context["appointments"]] == [waiting.pk]


def test_marks_chosen_appointments_in_bulk(owner, practice):
    a, b = appointment(practice, "A1"), appointment(practice, "A2")
    response = post(owner, practice, {"result": "showed", "enrollments": [a.pk, b.pk]})
    assert "2 appointment(s) marked." in response.content.decode()
    assert results(a) == results(b) == [OutcomeKind.SHOWED]
    assert AuditEvent.objects.filter(object_type="campaigns.enrollment").exists()


def test_an_appointment_of_another_practice_is_refused(owner, practice, other_practice):
    foreign = appointment(other_practice, "F1")
    response = post(owner, practice, {"result": "no_show", "enrollments": [foreign.pk]})
    assert "No such appointment." in response.content.decode()
    assert results(foreign) == []


def test_a_coordinator_cannot_mark(client_for, member, practice):
    a = appointment(practice, "A1")
    response = post(
        client_for(member(Role.COORDINATOR)), practice, {"result": "showed", "enrollments": [a.pk]}
    )
    assert response.status_code == 403 and results(a) == []
