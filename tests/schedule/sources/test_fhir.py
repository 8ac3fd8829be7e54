"""Syncing the practice's schedule from a FHIR R4 server: the real reader, over HTTP, against
the fake FHIR server on 127.0.0.1 (resources shaped like the specification's examples)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from campaigns.lifecycle import campaign_create, campaign_start
from campaigns.models import Enrollment, Outcome, OutcomeKind, State, Touch, TouchStatus
from schedule.models import Appointment, AppointmentChange, RunStatus, Source
from schedule.sources.fhir import fhir_source, fhir_sync
from tests.factories import ContactFactory
from tests.fake_fhir import fixtures
from tests.fake_fhir.resources import appointment, patient

pytestmark = pytest.mark.django_db
# The fake FHIR server's fixtures (session server, emptied per test).
fake_fhir_server, fake_fhir = fixtures.fake_fhir_server, fixtures.fake_fhir
TODAY = dt.date(2026, 12, 1)
NOON = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
NEXT_WEEK = dt.datetime(2026, 12, 9, 15, tzinfo=dt.UTC)  # Wed 9 Dec 10:00 in New York


def minutes(n: int) -> dt.datetime:
    return NOON - dt.timedelta(minutes=60 - n)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture(autouse=True)
def _fast(settings):
    # No waiting between tries in tests; a read timeout a test can outlast.
    settings.SCHEDULE_FHIR_BACKOFF = (0, 0)
    settings.SCHEDULE_FHIR_RETRY_AFTER_CAP = 0
    settings.SCHEDULE_FHIR_TIMEOUT = (2.0, 0.3)
    settings.SCHEDULE_FHIR_PAGE_SIZE = 2


@pytest.fixture
def server(practice, fake_fhir):
    return fhir_source(practice, base_url=fake_fhir.base_url)


def enrolled(practice, mrn: str):
    contact = ContactFactory(practice=practice, external_id=mrn, first_name="Peter")
    campaign = campaign_create(
        practice=practice, name="Winter", buckets=["inquiry"], start_date=TODAY
    )
    campaign_start(campaign, today=TODAY)
    return contact, Enrollment.objects.get(contact=contact)


def booked(fake, n: int, **kwargs) -> None:
    """``n`` booked appointments a1..an, each a minute newer, with their patients."""
    for i in range(1, n + 1):
        fake.put(
            appointment(
                f"a{i}", patient=f"p{i}", start=NEXT_WEEK, last_updated=minutes(i), **kwargs
            ),
            patient(f"p{i}", mrn=f"MRN-{i}", family=f"Family{i}"),
        )


def statuses(enrollment) -> set[str]:
    return set(Touch.objects.filter(enrollment=enrollment).values_list("status", flat=True))


def test_a_booked_fhir_appointment_stops_the_patients_texts(practice, fake_fhir, server):
    contact, enrollment = enrolled(practice, mrn="12345")
    fake_fhir.put(
        appointment("example", start=NEXT_WEEK, last_updated=minutes(1)),
        patient("example", mrn="12345"),
    )

    run = fhir_sync(server, trigger="test")

    assert run.status == RunStatus.SUCCEEDED
    enrollment.refresh_from_db()
    assert enrollment.state == State.SCHEDULED
    assert statuses(enrollment) == {TouchStatus.SKIPPED}
    reasons = set(Touch.objects.filter(enrollment=enrollment).values_list("reason", flat=True))
    assert reasons == {f"skipped: booked for Wed 9 Dec 10:00 in {server.name}"}
    assert server.name == f"FHIR server ({fake_fhir.origin.removeprefix('http://')})"
    stored = Appointment.objects.get()
    assert (stored.contact, stored.start, stored.status) == (contact, NEXT_WEEK, "booked")
    assert stored.appointment_type == "A follow up visit from a previous appointment"
    assert (stored.provider, stored.location) == ("Dr Adam Careful", "South Wing, second floor")
    assert stored.source_updated_at == minutes(1)
    assert run.counts["enrollments_scheduled"] == 1 and run.counts["matched"] == 1


def test_the_included_patient_is_read_by_name_birth_date_and_mobile(practice, fake_fhir, server):
    fake_fhir.put(
        appointment("example", last_updated=minutes(1)),
        patient("example", mrn="12345", email="peter@example.com"),
    )

    fhir_sync(server, trigger="test")

    stored = Appointment.objects.get()
    assert stored.contact is None
    assert (stored.patient_external_id, stored.first_name, stored.last_name) == (
        "12345",
        "Peter",
        "Chalmers",
    )
    assert stored.date_of_birth == dt.date(1974, 12, 25)
    assert stored.email == "peter@example.com"


def test_a_patient_not_included_is_matched_by_the_references_id(practice, fake_fhir, server):
    contact, _ = enrolled(practice, mrn="pat-9")
    fake_fhir.put(appointment("a1", patient="pat-9", start=NEXT_WEEK, last_updated=minutes(1)))

    fhir_sync(server, trigger="test")

    assert Appointment.objects.get().contact == contact


def test_pages_are_followed_and_the_checkpoint_kept(practice, fake_fhir, server):
    booked(fake_fhir, 5)

    run = fhir_sync(server, trigger="test")

    assert Appointment.objects.count() == 5 and run.counts["read"] == 5
    assert [s.get("_offset", "0") for s in fake_fhir.searches] == ["0", "2", "4"]
    first = fake_fhir.searches[0]
    assert "_lastUpdated" not in first
    assert (first["_include"], first["_sort"], first["_count"]) == (
        "Appointment:patient",
        "_lastUpdated",
        "2",
    )
    server.refresh_from_db()
    assert server.checkpoint == "2026-12-01T11:05:00.000Z"


def test_a_second_sync_reads_only_what_changed_since_the_checkpoint(practice, fake_fhir, server):
    booked(fake_fhir, 3)
    fhir_sync(server, trigger="test")
    fake_fhir.put(
        appointment(
            "a1", patient="p1", start=NEXT_WEEK, status="fulfilled", last_updated=minutes(10)
        ),
        appointment("a4", patient="p4", start=NEXT_WEEK, last_updated=minutes(11)),
    )
    fake_fhir.searches.clear()

    run = fhir_sync(server, trigger="test")

    assert fake_fhir.searches[0]["_lastUpdated"] == "ge2026-12-01T11:03:00.000Z"
    # a3 (on the checkpoint, read again), then a1 changed and a4 new.
    assert (run.counts["read"], run.counts["unchanged"]) == (3, 1)
    assert (run.counts["updated"], run.counts["created"]) == (1, 1)
    assert Appointment.objects.get(key="a1").status == "fulfilled"


def test_429_with_retry_after_is_retried_and_the_sync_succeeds(practice, fake_fhir, server):
    booked(fake_fhir, 1)
    fake_fhir.fail_next(429, count=2, retry_after=1)

    run = fhir_sync(server, trigger="test")

    assert run.status == RunStatus.SUCCEEDED and Appointment.objects.count() == 1
    assert len(fake_fhir.searches) == 3


def test_a_server_that_does_not_answer_in_time_is_asked_again(practice, fake_fhir, server):
    booked(fake_fhir, 1)
    fake_fhir.hang(3.0)

    run = fhir_sync(server, trigger="test")

    assert run.status == RunStatus.SUCCEEDED and Appointment.objects.count() == 1
    assert len(fake_fhir.searches) == 2


def test_500_three_times_fails_the_run_keeps_the_pages_applied_and_the_next_sync_resumes(
    practice,
    fake_fhir,
    server,
):
    _, enrollment = enrolled(practice, mrn="MRN-1")
    booked(fake_fhir, 4)
    fake_fhir.fail_next(500, count=3, page=2)

    run = fhir_sync(server, trigger="test")

    assert run.status == RunStatus.FAILED
    assert run.errors[-1]["message"] == (
        "The FHIR server answered 500 three times; the next sync will resume from the last "
        "page applied."
    )
    assert set(Appointment.objects.values_list("key", flat=True)) == {"a1", "a2"}
    server.refresh_from_db()
    assert server.checkpoint == "2026-12-01T11:02:00.000Z"
    assert server.last_error == run.errors[-1]["message"]
    outcomes = Outcome.objects.filter(enrollment=enrollment).count()

    again = fhir_sync(server, trigger="test")

    assert again.status == RunStatus.SUCCEEDED
    assert fake_fhir.searches[-2]["_lastUpdated"] == "ge2026-12-01T11:02:00.000Z"
    assert (again.counts["created"], again.counts["unchanged"]) == (2, 1)
    assert Appointment.objects.count() == 4 and AppointmentChange.objects.count() == 4
    assert Outcome.objects.filter(enrollment=enrollment).count() == outcomes


def test_a_connection_dropped_after_page_one_fails_and_the_next_sync_resumes(
    practice,
    fake_fhir,
    server,
):
    booked(fake_fhir, 4)
    fake_fhir.drop_after_page(1, count=3)

    run = fhir_sync(server, trigger="test")

    assert run.status == RunStatus.FAILED
    assert run.errors[-1]["message"].startswith("The FHIR server could not be reached three times")
    assert Appointment.objects.count() == 2
    assert fhir_sync(server, trigger="test").status == RunStatus.SUCCEEDED
    assert Appointment.objects.count() == 4 and AppointmentChange.objects.count() == 4


def test_a_malformed_appointment_mid_page_is_reported_and_the_rest_applied(
    practice,
    fake_fhir,
    server,
    settings,
):
    settings.SCHEDULE_FHIR_PAGE_SIZE = 3
    booked(fake_fhir, 3)
    fake_fhir.malformed_in_page(1)

    run = fhir_sync(server, trigger="test")

    assert run.status == RunStatus.SUCCEEDED
    assert set(Appointment.objects.values_list("key", flat=True)) == {"a1", "a2", "a3"}
    assert run.errors == [
        {
            "where": "Appointment/broken-1",
            "message": "Appointment/broken-1: not a valid FHIR Appointment (field start)",
        }
    ]
    assert run.counts["errors"] == 1


def test_a_proposed_appointment_is_kept_but_changes_nothing(practice, fake_fhir, server):
    _, enrollment = enrolled(practice, mrn="MRN-1")
    booked(fake_fhir, 1, status="proposed")

    run = fhir_sync(server, trigger="test")

    assert Appointment.objects.get().status == ""
    assert "'proposed' is not one we know" in run.errors[0]["message"]
    enrollment.refresh_from_db()
    assert enrollment.state == State.ACTIVE


def test_an_entered_in_error_appointment_undoes_the_booking(practice, fake_fhir, server):
    _, enrollment = enrolled(practice, mrn="MRN-1")
    booked(fake_fhir, 1)
    fhir_sync(server, trigger="test")
    enrollment.refresh_from_db()
    assert enrollment.state == State.SCHEDULED
    fake_fhir.put(
        appointment(
            "a1", patient="p1", start=NEXT_WEEK, status="entered-in-error", last_updated=minutes(30)
        )
    )

    fhir_sync(server, trigger="test")

    enrollment.refresh_from_db()
    assert enrollment.state == State.ACTIVE
    assert statuses(enrollment) == {TouchStatus.PLANNED}
    kinds = list(
        Outcome.objects.filter(enrollment=enrollment).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds[-2:] == [OutcomeKind.SCHEDULED, OutcomeKind.UNDONE]
    assert [c.status for c in Appointment.objects.get().changes.all()] == [
        "booked",
        "entered_in_error",
    ]


def test_a_refused_bearer_token_fails_with_a_plain_message(practice, fake_fhir):
    fake_fhir.require_bearer("the-right-one")
    booked(fake_fhir, 1)
    wrong = fhir_source(practice, base_url=fake_fhir.base_url, token="an-old-one")

    run = fhir_sync(wrong, trigger="test")

    assert run.status == RunStatus.FAILED
    assert run.errors[-1]["message"] == (
        "The FHIR server refused the access token (401); check the token or the SMART "
        "settings of the source."
    )
    right = fhir_source(practice, base_url=fake_fhir.base_url, token="the-right-one")
    assert right.pk == wrong.pk
    assert fhir_sync(right, trigger="test").status == RunStatus.SUCCEEDED


@pytest.mark.parametrize(
    "url", ["ftp://ehr.example.com/fhir", "ehr.example.com/fhir", "", "https://"]
)
def test_a_base_url_that_is_not_a_servers_is_refused_in_one_sentence(practice, url):
    with pytest.raises(ValueError, match=r"^The FHIR base URL must be an http"):
        fhir_source(practice, base_url=url)
    assert not Source.objects.exists()


def test_two_fhir_servers_on_one_host_get_names_of_their_own(practice):
    one = fhir_source(practice, base_url="https://ehr.example.com/fhir/R4/")
    two = fhir_source(practice, base_url="https://ehr.example.com/test/fhir")

    assert one.name == "FHIR server (ehr.example.com)"
    assert two.name == "FHIR server (ehr.example.com/test/fhir)"
    assert one.base_url == "https://ehr.example.com/fhir/R4"
    assert fhir_source(practice, base_url="https://ehr.example.com/fhir/R4") == one
