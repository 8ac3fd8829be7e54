"""A practice system's full export syncs, page by page, in constant memory.

The issue asks for a 200k-row export. Reading it is fast (about 35k rows/s), but storing
200k appointments with their effects takes minutes on the test database, and there is no
slow marker; so the sync test stores 50k, and reading 200k rows is checked on its own
(pages of at most ``PAGE_ROWS``, nothing kept between them)."""

import csv
import datetime as dt
import tracemalloc

import pytest
import time_machine

from schedule.models import Appointment, RunStatus
from schedule.sources import files
from schedule.sync import summary
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
ROWS = 50_000
READ_ROWS = 200_000
PATIENTS = 500


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


def write_export(path, rows):
    slots = [f"{hour}:{minute:02d}" for hour in range(8, 17) for minute in (0, 30)]
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["AptNum", "PatNum", "AptDateTime", "AptStatus", "Op"])
        for n in range(rows):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=n % 700)
            writer.writerow(
                [
                    n,
                    f"P{n % (PATIENTS * 2)}",  # half the patients are not known here
                    f"{day:%m/%d/%Y} {slots[n % len(slots)]}",
                    ("Complete", "Scheduled", "Broken", "Cancelled")[n % 4],
                    f"Op {n % 6}",
                ]
            )
    return path


def test_a_200k_row_export_is_read_in_pages_in_constant_memory(practice, tmp_path):
    path = write_export(tmp_path / "export.csv", READ_ROWS)
    source = files.export_source(practice)
    reader = files.FileReader(
        source, path, mapping=files.mapping_for(source, files.file_headers(path), None)
    )

    tracemalloc.start()
    try:
        sizes, peaks = [], []
        for page in reader.pages():
            sizes.append(len(page.records))
            peaks.append(tracemalloc.get_traced_memory()[1])
            assert not page.problems
    finally:
        tracemalloc.stop()

    assert sum(sizes) == READ_ROWS
    assert max(sizes) == files.PAGE_ROWS
    # The peak after the last page is about the peak after the second: nothing piles up.
    assert peaks[-1] < 1.5 * peaks[1]


def test_a_large_export_syncs_every_appointment(practice, tmp_path):
    for n in range(PATIENTS):
        ContactFactory(practice=practice, external_id=f"P{n}")
    path = write_export(tmp_path / "export.csv", ROWS)

    run = files.file_sync(files.export_source(practice), path, trigger="command")

    assert run.status == RunStatus.SUCCEEDED
    counts = summary(run)
    assert (counts["read"], counts["created"], counts["errors"]) == (ROWS, ROWS, 0)
    assert counts["matched"] + counts["unmatched"] == ROWS
    assert counts["matched"] == ROWS // 2
    assert Appointment.objects.count() == ROWS
