"""Reads for the schedule's pages: how long ago in words, the review list, the patients a
search offers, and each source's last run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from schedule import selectors
from schedule.models import Appointment
from schedule.records import PatientRef
from tests.factories import ContactFactory
from tests.schedule.helpers import record, sync

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("before", "words"),
    [
        (None, "never"),
        (dt.timedelta(seconds=20), "just now"),
        (dt.timedelta(hours=3, minutes=10), "3\xa0hours ago"),
        (dt.timedelta(days=2, hours=5), "2\xa0days ago"),
    ],
)
def test_how_long_ago_reads_in_words(before, words):
    assert selectors.ago(NOW - before if before else None, NOW) == words


def test_the_review_list_leaves_out_matched_deleted_and_other_practices_appointments(
    practice, other_practice, source
):
    from schedule.models import Source

    patient = ContactFactory(practice=practice, external_id="C-1")
    sync(source, record("1", patient), record("2", patient=PatientRef(last_name="Nobody")))
    sync(source, record("3", patient=PatientRef(last_name="Gone")))
    Appointment.objects.filter(key="3").update(deleted_at=timezone.now())
    theirs = Source.objects.create(practice=other_practice, kind="file", name="Theirs")
    sync(theirs, record("9", patient=PatientRef(last_name="Elsewhere")))
    keys = [a.key for a in selectors.unmatched_appointments(practice)]
    assert keys == ["2"]


def test_a_search_offers_the_emr_id_first_then_names_never_merged_or_foreign(
    practice, other_practice
):
    by_id = ContactFactory(practice=practice, external_id="SMITH", last_name="Jones")
    by_name = ContactFactory(practice=practice, first_name="Ann", last_name="Smith")
    survivor = ContactFactory(practice=practice, last_name="Smithers")
    ContactFactory(practice=practice, last_name="Smith", merged_into=survivor)
    ContactFactory(practice=other_practice, last_name="Smith")
    found = selectors.match_choices(practice, "smith")
    assert found == [by_id, by_name, survivor]


def test_each_source_shows_its_last_run_first(practice, source):
    sync(source, record("1"))
    last = sync(source, record("2"))
    [health] = selectors.sources_health(practice)
    assert health.last_run == last and len(health.runs) == 2
    assert dict(health.counts)["Read"] == 1
