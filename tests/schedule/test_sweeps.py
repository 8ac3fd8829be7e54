"""Beat's work on the schedule besides reading sources: appointments matched once a
contacts import brings their patient, and missed appointments enrolled again."""

import datetime as dt

import pytest
import time_machine

from campaigns.lifecycle import campaign_create, campaign_start
from campaigns.models import Enrollment, State
from contacts.models import ImportStatus
from reactivate.models import Practice
from schedule.effects import effects_apply
from schedule.models import Appointment
from schedule.records import PatientRef
from schedule.sweeps import missed_reenroll_due, unmatched_rematch_due
from tests.factories import ContactFactory, ImportBatchFactory
from tests.schedule.helpers import NEW_YORK, record, sync

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def test_an_import_that_brings_the_patient_matches_their_appointment(practice, source, _now):
    sync(source, record("A1", patient=PatientRef(external_id="C-9")))
    _now.shift(dt.timedelta(minutes=5))
    patient = ContactFactory(practice=practice, external_id="C-9")
    ImportBatchFactory(
        practice=practice, status=ImportStatus.DONE, finished_at=dt.datetime.now(dt.UTC)
    )

    assert unmatched_rematch_due() == 1
    effects_apply(practice)

    assert Appointment.objects.get().contact == patient
    patient.refresh_from_db()
    assert patient.next_appointment == dt.date(2026, 12, 9)


def test_unmatched_appointments_are_not_looked_at_again_without_a_new_import(
    practice, source, _now
):
    sync(source, record("A1", patient=PatientRef(external_id="C-9")))
    _now.shift(dt.timedelta(minutes=5))
    ImportBatchFactory(
        practice=practice, status=ImportStatus.DONE, finished_at=dt.datetime.now(dt.UTC)
    )
    unmatched_rematch_due()
    _now.shift(dt.timedelta(minutes=1))
    ContactFactory(practice=practice, external_id="C-9")  # typed in by hand, no import

    assert unmatched_rematch_due() == 0


def scheduling_campaign(practice, patient):
    campaign = campaign_create(
        practice=practice, name="Rebook", buckets=["scheduling"], start_date=NOON.date()
    )
    campaign_start(campaign, today=NOON.date())
    return campaign


def test_a_no_show_is_enrolled_again_after_the_practices_days(practice, source, _now):
    Practice.objects.filter(pk=practice.pk).update(reenroll_missed_after_days=3)
    practice.refresh_from_db()
    patient = ContactFactory(practice=practice, external_id="C-1", last_outcome="treatment_plan")
    campaign = scheduling_campaign(practice, patient)
    missed = dt.datetime(2026, 12, 1, 9, tzinfo=NEW_YORK)
    sync(source, record("A1", patient, start=missed, status="noshow"))

    _now.move_to(dt.datetime(2026, 12, 3, 15, tzinfo=dt.UTC))
    assert missed_reenroll_due() == 0  # two days on: not yet

    _now.move_to(dt.datetime(2026, 12, 4, 15, tzinfo=dt.UTC))
    assert missed_reenroll_due() == 1
    enrollment = Enrollment.objects.get(contact=patient, campaign=campaign)
    assert (enrollment.state, enrollment.bucket) == (State.ACTIVE, "scheduling")
    assert missed_reenroll_due() == 0  # once


def test_missed_appointments_are_not_enrolled_again_by_default(practice, source, _now):
    patient = ContactFactory(practice=practice, external_id="C-1")
    scheduling_campaign(practice, patient)
    sync(
        source,
        record("A1", patient, start=dt.datetime(2026, 11, 1, 9, tzinfo=NEW_YORK), status="noshow"),
    )

    assert missed_reenroll_due() == 0
    assert not Enrollment.objects.filter(contact=patient).exists()
