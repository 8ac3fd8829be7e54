"""Dates as an import reads them: birth dates in the past, one day/month order a column."""

import datetime as dt

import pytest
import time_machine

from contacts.import_batches import import_preview
from contacts.models import Contact, ImportRow
from tests.contacts.helpers import csv_bytes, run_import, upload

pytestmark = pytest.mark.django_db

HEADER = ["Chart #", "First Name", "Last Name", "DOB"]


def born(external_id: str) -> dt.date | None:
    return Contact.objects.get(external_id=external_id).date_of_birth


def test_an_imported_two_digit_birth_year_is_in_the_past(practice):
    run_import(practice, csv_bytes([["B-1", "Ada", "Moss", "12/22/48"]], HEADER))
    assert born("B-1") == dt.date(1948, 12, 22)


def test_a_birth_date_in_the_future_is_reported_and_not_stored(practice):
    batch = run_import(practice, csv_bytes([["B-1", "Ada", "Moss", "12/22/2048"]], HEADER))
    assert born("B-1") is None
    assert "date '12/22/2048' is in the future" in ImportRow.objects.get(batch=batch).message


def test_tomorrow_is_in_the_future_on_a_new_york_evening(practice):
    # 20:00 in New York on 3 December: already 4 December by the server's clock (UTC).
    rows = [["B-1", "Ada", "Moss", "12/03/2026"], ["B-2", "Ben", "Ortiz", "12/04/2026"]]
    with time_machine.travel(dt.datetime(2026, 12, 4, 1, tzinfo=dt.UTC), tick=False):
        run_import(practice, csv_bytes(rows, HEADER))
    assert (born("B-1"), born("B-2")) == (dt.date(2026, 12, 3), None)


def test_a_day_first_export_reads_every_birth_date_day_first(practice):
    rows = [["B-1", "Ada", "Moss", "05/03/1980"], ["B-2", "Ben", "Ortiz", "25/12/1979"]]
    run_import(practice, csv_bytes(rows, HEADER))
    assert born("B-1") == dt.date(1980, 3, 5)


def test_a_day_first_date_in_a_month_first_column_is_reported_not_swapped(practice):
    rows = [
        ["B-1", "Ada", "Moss", "12/25/1979"],
        ["B-2", "Ben", "Ortiz", "11/30/1980"],
        ["B-3", "Cy", "Vance", "13/05/1980"],
    ]
    batch = run_import(practice, csv_bytes(rows, HEADER))
    assert born("B-3") is None
    assert (
        "this column's dates are month first" in ImportRow.objects.get(batch=batch, row=3).message
    )


def test_a_practice_outside_the_us_reads_dates_that_do_not_tell_day_first(practice):
    practice.country = "GB"
    practice.save()
    run_import(practice, csv_bytes([["B-1", "Ada", "Moss", "05/03/1980"]], HEADER))
    assert born("B-1") == dt.date(1980, 3, 5)


def test_the_preview_reads_dates_in_the_columns_order(practice):
    rows = [["B-1", "Ada", "Moss", "05/03/1980"], ["B-2", "Ben", "Ortiz", "25/12/1979"]]
    batch = upload(practice, csv_bytes(rows, HEADER))
    preview = import_preview(batch, batch.mapping)
    assert preview[0].values["date_of_birth"] == dt.date(1980, 3, 5)
