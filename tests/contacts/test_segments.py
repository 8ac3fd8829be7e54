"""The four story buckets and what keeps a patient out of them."""

import datetime as dt

import pytest

from contacts.models import Bucket, Contact, LastOutcome
from contacts.segments import bucket_counts, bucket_of, contacts_with_bucket

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 26)


def make(practice, **fields):
    return Contact.objects.create(practice=practice, first_name="P", last_name="Q", **fields)


@pytest.mark.parametrize(
    ("outcome", "bucket"),
    [
        (LastOutcome.INQUIRY, Bucket.INQUIRY),
        (LastOutcome.CANCELED, Bucket.SCHEDULING),
        (LastOutcome.NO_SHOW, Bucket.SCHEDULING),
        (LastOutcome.TREATMENT_PLAN, Bucket.CONSULTATION),
        (LastOutcome.NOT_NOW, Bucket.NOT_NOW),
        (LastOutcome.SCHEDULED, None),
        (LastOutcome.UNKNOWN, None),
    ],
)
def test_last_outcome_decides_the_bucket(practice, outcome, bucket):
    contact = make(practice, last_outcome=outcome)
    assert bucket_of(contact, practice, TODAY) == bucket
    annotated = contacts_with_bucket(practice, TODAY).get(pk=contact.pk).bucket
    assert annotated == (bucket.value if bucket else None)


@pytest.mark.parametrize(
    "fields",
    [
        {"do_not_contact": True},
        {"next_appointment": TODAY + dt.timedelta(days=3)},
        {"last_activity": TODAY - dt.timedelta(days=5)},
    ],
    ids=["do-not-contact", "upcoming appointment", "recent activity"],
)
def test_exclusions_keep_a_patient_out_of_every_bucket(practice, fields):
    contact = make(practice, last_outcome=LastOutcome.INQUIRY, **fields)
    assert bucket_of(contact, practice, TODAY) is None
    assert contacts_with_bucket(practice, TODAY).get(pk=contact.pk).bucket is None


def test_activity_older_than_the_practice_threshold_is_stalled(practice):
    practice.recent_activity_days = 10
    practice.save()
    contact = make(
        practice, last_outcome=LastOutcome.INQUIRY, last_activity=TODAY - dt.timedelta(days=11)
    )
    assert bucket_of(contact, practice, TODAY) == Bucket.INQUIRY


def test_bucket_counts_match_the_buckets(practice):
    make(practice, last_outcome=LastOutcome.INQUIRY)
    make(practice, last_outcome=LastOutcome.NO_SHOW)
    make(practice, last_outcome=LastOutcome.CANCELED)
    make(practice, last_outcome=LastOutcome.NOT_NOW, do_not_contact=True)
    counts = bucket_counts(practice, TODAY)
    assert (counts["inquiry"], counts["scheduling"], counts["not_now"]) == (1, 2, 0)
    assert (counts["total"], counts["not_stalled"]) == (4, 1)
