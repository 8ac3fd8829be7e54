"""The scoreboard's statement triggers on a sync-sized statement (hundreds of enrollments
written at once, as ``campaigns.bookings`` writes a page of the practice's schedule): the
rollups stay equal to the live queries, and the triggers read each row they refresh a
bounded number of times, not once per other row of the statement (their plans once went
quadratic there, most of all on tables without statistics, which is what a test database
and a freshly loaded one have)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from campaigns.models import Enrollment, Outcome, OutcomeKind, OutcomeSource, State
from contacts.models import Contact
from scoreboard import selectors
from tests.factories import CampaignFactory, ContactFactory
from tests.scoreboard.scenario import NEW_YORK, NOW
from tests.scoreboard.test_rollups import assert_rollups_equal_live

pytestmark = pytest.mark.django_db

PAGE = 400  # enrollments per statement: past the point where the old plans turned
START = dt.date(2026, 3, 2)
BOOKED_AT = dt.datetime(2026, 3, 5, 9, 0, tzinfo=NEW_YORK)
APPOINTMENT = dt.datetime(2026, 3, 10, 10, 0, tzinfo=NEW_YORK)
SOURCE_TABLES = ("campaigns_outcome", "campaigns_enrollment", "contacts_contact")


def _practice_enrolled(practice, n: int) -> list[Enrollment]:
    """``n`` patients of ``practice`` enrolled in one campaign (one in ten held out), each
    contacted once; written in bulk."""
    campaign = CampaignFactory(practice=practice, start_date=START)
    contacts = Contact.objects.bulk_create(
        [
            ContactFactory.build(
                practice=practice,
                external_id=f"P-{i}",
                last_outcome="inquiry",
                quoted_amount=Decimal(100 + i),
            )
            for i in range(n)
        ]
    )
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                practice=practice,
                campaign=campaign,
                contact=contact,
                bucket="inquiry",
                start_day=START,
                held_out=i % 10 == 0,
            )
            for i, contact in enumerate(contacts)
        ]
    )
    Outcome.objects.bulk_create(
        [
            Outcome(
                practice=practice,
                contact=e.contact,
                enrollment=e,
                kind=OutcomeKind.CONTACTED,
                at=BOOKED_AT - dt.timedelta(days=2),
            )
            for e in enrollments
            if not e.held_out
        ]
    )
    return enrollments


def _entries(enrollments, kind, *, corrects=None, at=BOOKED_AT) -> list[Outcome]:
    return [
        Outcome(
            practice_id=e.practice_id,
            contact_id=e.contact_id,
            enrollment=e,
            kind=kind,
            at=at,
            appointment_at=APPOINTMENT if kind == OutcomeKind.SCHEDULED else None,
            corrects=corrects[i] if corrects else None,
            source=OutcomeSource.PRACTICE_SYSTEM,
        )
        for i, e in enumerate(enrollments)
    ]


def _rows_read() -> dict[str, int]:
    """Rows this transaction has read so far from each of the triggers' source tables,
    through any scan (``pg_stat_xact_user_tables`` counts the open transaction's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, seq_tup_read + coalesce(idx_tup_fetch, 0)"
            " FROM pg_stat_xact_user_tables WHERE relname = ANY(%s)",
            [list(SOURCE_TABLES)],
        )
        read = dict(cursor.fetchall())
    return {table: read.get(table, 0) for table in SOURCE_TABLES}


def _read_by(write) -> dict[str, int]:
    before = _rows_read()
    write()
    after = _rows_read()
    return {table: after[table] - before[table] for table in SOURCE_TABLES}


def _scope(practice):
    return selectors.scope_for(practice, start=START, end=NOW.date())


@pytest.fixture
def page(practice, other_practice):
    """A practice with a page of enrolled patients, and another practice with as many
    (the outcome log holds both)."""
    with time_machine.travel(NOW, tick=False):
        _practice_enrolled(other_practice, PAGE)
        return _practice_enrolled(practice, PAGE)


def test_a_page_of_bookings_shows_and_corrections_keeps_the_rollups_equal_to_the_live_queries(
    practice, page
):
    treated = [e for e in page if not e.held_out]
    with time_machine.travel(NOW, tick=False):
        Enrollment.objects.filter(pk__in=[e.pk for e in page]).update(
            state=State.SCHEDULED, appointment_at=APPOINTMENT
        )
        booked = Outcome.objects.bulk_create(_entries(page, OutcomeKind.SCHEDULED))
        Contact.objects.filter(practice=practice).update(
            last_outcome="scheduled", last_activity=BOOKED_AT.date()
        )
        later = APPOINTMENT + dt.timedelta(hours=1)
        showed = Outcome.objects.bulk_create(_entries(treated, OutcomeKind.SHOWED, at=later))
        half = len(treated) // 2  # the first half's show corrected to a no-show
        Outcome.objects.bulk_create(
            _entries(treated[:half], OutcomeKind.NO_SHOW, corrects=showed[:half], at=later)
        )
        # Some bookings entered in error: their scheduled entry corrected away.
        Outcome.objects.bulk_create(
            _entries(page[-20:], OutcomeKind.NOT_A_FIT, corrects=booked[-20:], at=later)
        )
        Contact.objects.filter(pk__in=[e.contact_id for e in page[:50]]).update(
            last_outcome="no_show", quoted_amount=Decimal(5000)
        )
        assert_rollups_equal_live(_scope(practice), NOW)
        counts = selectors.stage_counts(_scope(practice))
    assert counts.scheduled == len(treated) - len([e for e in page[-20:] if not e.held_out])
    assert counts.showed == len(treated) - half


def test_a_page_written_in_one_statement_reads_each_row_it_refreshes_a_bounded_number_of_times(
    practice, page
):
    """Each write below touches PAGE enrollments or patients; their refresh reads the
    enrollments, patients and entries concerned a few times each. A plan that looks them
    up once per other row of the statement (or scans the practice's entries for each)
    reads PAGE x PAGE rows."""
    bound = 20 * PAGE
    ids = [e.pk for e in page]
    # Statistics of the data at hand, as a sync keeps them (``schedule.effects`` and the
    # import analyze as the tables grow): without this the plans depend on what earlier
    # tests left in pg_statistic, and the count on test order.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_outcome, campaigns_enrollment, contacts_contact")
    with time_machine.travel(NOW, tick=False):
        reads = {
            "entries": _read_by(
                lambda: Outcome.objects.bulk_create(_entries(page, OutcomeKind.SCHEDULED))
            ),
            "enrollments": _read_by(
                lambda: Enrollment.objects.filter(pk__in=ids).update(
                    state=State.SCHEDULED, appointment_at=APPOINTMENT
                )
            ),
            "patients": _read_by(
                lambda: Contact.objects.filter(practice=practice).update(
                    last_outcome="scheduled", last_activity=BOOKED_AT.date()
                )
            ),
        }
        assert_rollups_equal_live(_scope(practice), NOW)
    over = {
        write: {table: n for table, n in read.items() if n > bound} for write, read in reads.items()
    }
    assert over == {"entries": {}, "enrollments": {}, "patients": {}}, reads
