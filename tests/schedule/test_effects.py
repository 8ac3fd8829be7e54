"""What a synced appointment does to a patient's enrollment, touches and record."""

import datetime as dt

import pytest
import time_machine

from campaigns.lifecycle import campaign_create, campaign_start
from campaigns.models import Enrollment, Outcome, OutcomeKind, State, Touch, TouchStatus
from contacts.models import Contact, LastOutcome
from schedule.models import Appointment, AppointmentChange
from schedule.records import PatientRef
from tests.factories import ContactFactory
from tests.schedule.helpers import NEW_YORK, record, sync

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)
NOON = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOON, tick=False):
        yield


def started(practice, *contacts, holdout=0):
    campaign = campaign_create(
        practice=practice,
        name="Winter",
        buckets=["inquiry"],
        start_date=TODAY,
        holdout_percent=holdout,
    )
    campaign_start(campaign, today=TODAY)
    return {e.contact_id: e for e in Enrollment.objects.filter(campaign=campaign)}


def test_a_booked_patient_gets_no_more_touches_and_reads_why(practice, source):
    patient = ContactFactory(practice=practice, external_id="C-1")
    enrollment = started(practice, patient)[patient.pk]

    run = sync(source, record("A1", patient))

    enrollment.refresh_from_db()
    assert enrollment.state == State.SCHEDULED
    assert enrollment.appointment_at == dt.datetime(2026, 12, 9, 10, tzinfo=NEW_YORK)
    touches = Touch.objects.filter(enrollment=enrollment)
    assert touches.exists()
    assert set(touches.values_list("status", flat=True)) == {TouchStatus.SKIPPED}
    assert set(touches.values_list("reason", flat=True)) == {
        "skipped: booked for Wed 9 Dec 10:00 in Open Dental export"
    }
    outcome = Outcome.objects.get(enrollment=enrollment, kind=OutcomeKind.SCHEDULED)
    assert outcome.source == "practice_system"
    assert run.counts["enrollments_scheduled"] == 1
    assert run.counts["touches_skipped"] == touches.count()
    patient.refresh_from_db()
    assert patient.next_appointment == dt.date(2026, 12, 9)
    assert patient.last_outcome == LastOutcome.SCHEDULED


def test_a_claimed_touch_is_not_sent_after_the_booking_arrives(practice, source):
    patient = ContactFactory(practice=practice, external_id="C-1")
    enrollment = started(practice, patient)[patient.pk]
    claimed = Touch.objects.filter(enrollment=enrollment).first()
    Touch.objects.filter(pk=claimed.pk).update(status=TouchStatus.CLAIMED, claimed_at=NOON)

    sync(source, record("A1", patient))

    claimed.refresh_from_db()
    assert claimed.status == TouchStatus.SKIPPED


def test_a_held_out_patients_booking_counts_as_scheduled(practice, source):
    patients = ContactFactory.create_batch(4, practice=practice)
    for n, patient in enumerate(patients):
        Contact.objects.filter(pk=patient.pk).update(external_id=f"C-{n}")
    enrollments = started(practice, *patients, holdout=50)
    held = next(e for e in enrollments.values() if e.held_out)
    held_patient = Contact.objects.get(pk=held.contact_id)

    run = sync(source, record("A1", held_patient))

    held.refresh_from_db()
    assert held.state == State.SCHEDULED
    assert Outcome.objects.filter(enrollment=held, kind=OutcomeKind.SCHEDULED).count() == 1
    assert run.counts["enrollments_scheduled"] == 1


def test_a_fulfilled_appointment_records_a_show_and_a_no_show_corrects_it(practice, source):
    patient = ContactFactory(practice=practice, external_id="C-1")
    enrollment = started(practice, patient)[patient.pk]
    past = dt.datetime(2026, 11, 30, 10, tzinfo=NEW_YORK)
    sync(source, record("A1", patient, start=past, updated=NOON - dt.timedelta(hours=3)))

    sync(source, record("A1", patient, start=past, status="fulfilled", updated=NOON))
    run = sync(
        source, record("A1", patient, start=past, status="noshow", updated=NOON + dt.timedelta(1))
    )

    results = Outcome.objects.filter(enrollment=enrollment, kind__in=["showed", "no_show"])
    assert [o.kind for o in results.order_by("id")] == ["showed", "no_show"]
    assert results.order_by("id").last().corrects_id == results.order_by("id").first().pk
    assert run.counts["no_show"] == 1
    patient.refresh_from_db()
    assert patient.last_outcome == LastOutcome.NO_SHOW


def test_an_entered_in_error_booking_puts_the_patient_back(practice, source):
    patient = ContactFactory(practice=practice, external_id="C-1")
    enrollment = started(practice, patient)[patient.pk]
    planned_before = Touch.objects.filter(enrollment=enrollment, due_at__gt=NOON).count()
    sync(source, record("A1", patient, updated=NOON - dt.timedelta(hours=1)))

    sync(source, record("A1", patient, status="entered_in_error", updated=NOON))

    enrollment.refresh_from_db()
    assert enrollment.state == State.ACTIVE
    assert (
        Touch.objects.filter(enrollment=enrollment, status=TouchStatus.PLANNED).count()
        == planned_before
    )
    undone = Outcome.objects.get(enrollment=enrollment, kind=OutcomeKind.UNDONE)
    assert undone.corrects.kind == OutcomeKind.SCHEDULED  # the log only grew
    patient.refresh_from_db()
    assert patient.next_appointment is None
    assert patient.last_outcome == LastOutcome.INQUIRY


def test_a_cancelled_booking_stalls_the_patient_again(practice, source):
    patient = ContactFactory(practice=practice, external_id="C-1")
    started(practice, patient)
    sync(source, record("A1", patient, updated=NOON - dt.timedelta(hours=1)))

    run = sync(source, record("A1", patient, status="cancelled", updated=NOON))

    patient.refresh_from_db()
    assert patient.last_outcome == LastOutcome.CANCELED
    assert patient.next_appointment is None
    assert run.counts["cancelled"] == 1


def test_the_same_records_twice_change_nothing(practice, source):
    patient = ContactFactory(practice=practice, external_id="C-1")
    started(practice, patient)
    sync(source, record("A1", patient, updated=NOON))
    outcomes = Outcome.objects.count()

    run = sync(source, record("A1", patient, updated=NOON))

    assert run.counts["unchanged"] == 1
    assert run.counts.get("created", 0) == run.counts.get("updated", 0) == 0
    assert Outcome.objects.count() == outcomes
    assert AppointmentChange.objects.count() == 1


def test_an_older_version_arriving_late_loses_to_the_newer(practice, source):
    patient = ContactFactory(practice=practice, external_id="C-1")
    sync(source, record("A1", patient, status="cancelled", updated=NOON))

    run = sync(source, record("A1", patient, status="booked", updated=NOON - dt.timedelta(1)))

    assert Appointment.objects.get().status == "cancelled"
    assert run.counts["unchanged"] == 1


def test_every_change_of_story_is_kept_in_the_history(practice, source):
    patient = ContactFactory(practice=practice, external_id="C-1")
    for n, status in enumerate(["booked", "fulfilled", "entered_in_error"]):
        sync(source, record("A1", patient, status=status, updated=NOON + dt.timedelta(hours=n)))

    history = AppointmentChange.objects.filter(appointment__key="A1").order_by("id")
    assert [c.status for c in history] == ["booked", "fulfilled", "entered_in_error"]


def test_an_unknown_status_word_is_reported_and_changes_nothing(practice, source):
    patient = ContactFactory(practice=practice, external_id="C-1")
    enrollment = started(practice, patient)[patient.pk]

    run = sync(source, record("A1", patient, status="", word="Pencilled in"))

    enrollment.refresh_from_db()
    assert enrollment.state == State.ACTIVE
    assert run.counts["errors"] == 1
    assert "Pencilled in" in run.errors[0]["message"]
    assert Appointment.objects.get().status_word == "Pencilled in"


def test_an_unknown_patient_is_listed_unmatched_with_the_reason(practice, source):
    run = sync(source, record("A1", patient=PatientRef(external_id="NOPE", first_name="Ann")))

    appointment = Appointment.objects.get()
    assert appointment.contact is None
    assert "No patient has this EMR id" in appointment.match_note
    assert run.counts["unmatched"] == 1


def test_a_shared_phone_alone_never_matches(practice, source):
    ContactFactory(practice=practice, first_name="Ann", last_name="Lee", phone="+12125550100")

    sync(
        source,
        record("A1", patient=PatientRef(first_name="Bob", last_name="Lee", phone="2125550100")),
    )

    assert Appointment.objects.get().contact is None


def test_phone_and_matching_names_find_the_patient(practice, source):
    ann = ContactFactory(practice=practice, first_name="Ann", last_name="Lee", phone="+12125550100")

    sync(
        source,
        record("A1", patient=PatientRef(first_name="ann", last_name="LEE", phone="(212) 555-0100")),
    )

    appointment = Appointment.objects.get()
    assert appointment.contact == ann
    assert appointment.match_note == "same phone and name"


def test_a_later_contacts_import_matches_the_waiting_appointment(practice, source):
    from schedule.effects import effects_apply
    from schedule.services import appointments_rematch

    sync(source, record("A1", patient=PatientRef(external_id="C-9")))
    patient = ContactFactory(practice=practice, external_id="C-9")

    assert appointments_rematch(practice.pk) == 1
    effects_apply(practice)

    patient.refresh_from_db()
    assert patient.next_appointment == dt.date(2026, 12, 9)
