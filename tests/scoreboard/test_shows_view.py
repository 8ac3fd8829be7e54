"""The shows page: mark showed / no-show in bulk, and import appointment results."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
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


def upload(client, practice, content: bytes, name="results.csv"):
    data = {"action": "import", "file": SimpleUploadedFile(name, content, "text/csv")}
    with time_machine.travel(NOW, tick=False):
        return client.post(url(practice), data)


def test_imports_results_by_external_id_with_a_report_per_row(owner, practice):
    came, missed = appointment(practice, "C-1"), appointment(practice, "C-2")
    appointment(practice, "C-3", when=NOW + dt.timedelta(days=5))
    day = (NOW - dt.timedelta(days=2)).date()
    csv = (
        "Chart #,Result,Appointment Date\n"
        f"C-1,Showed,{day:%m/%d/%Y}\n"
        "C-2,no-show,\n"
        "C-3,showed,\n"
        "C-9,showed,\n"
        "C-1,maybe,\n"
        f"C-2,showed,{day + dt.timedelta(days=1):%Y-%m-%d}\n"
    ).encode()
    response = upload(owner, practice, csv)
    report = [(r.row, r.result, r.message) for r in response.context["import_report"]]
    assert report == [
        (1, "showed", "Marked."),
        (2, "no_show", "Marked."),
        (3, "error", "This appointment is still to come; mark it on the day or after."),
        (4, "error", "No patient with this external id."),
        (5, "error", "The result must be showed or no-show."),
        (
            6,
            "error",
            f"The appointment on file is on {day:%Y-%m-%d}, not "
            f"{day + dt.timedelta(days=1):%Y-%m-%d}.",
        ),
    ]
    assert results(came) == [OutcomeKind.SHOWED] and results(missed) == [OutcomeKind.NO_SHOW]


def test_a_file_without_the_columns_gets_a_clear_message(owner, practice):
    response = upload(owner, practice, b"Name,Phone\nAnn,555\n")
    assert "needs an external id column and a result column" in response.content.decode()


def test_a_broken_file_gets_a_clear_message(owner, practice):
    response = upload(owner, practice, b"PK\x03\x04 not really a workbook", name="results.xlsx")
    assert "damaged or not an Excel workbook" in response.content.decode()
    assert response.context["import_report"] is None
