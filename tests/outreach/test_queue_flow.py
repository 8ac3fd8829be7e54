"""Working down the queue: after an outcome the next patient opens (or this one stays), a
reply is shown first, re-qualify says where its answers lead and keeps them when refused,
and "Decisions today" is the practice's today."""

import datetime as dt
import itertools
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from campaigns.models import OutcomeKind, State
from campaigns.outcomes import outcome_record
from outreach import queue as queue_selectors
from outreach.inbound import inbound_sms_receive
from reactivate.models import Role
from tests.factories import ContactFactory, EnrollmentFactory
from tests.outreach.helpers import sender_for

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 7, 13, 0, tzinfo=dt.UTC)  # 08:00 in New York
SIDS = itertools.count(1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def me(member):
    return member(Role.COORDINATOR)


@pytest.fixture
def client(client_for, me):
    return client_for(me)


def url(name, practice, **kwargs):
    return reverse(f"outreach:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


def to_requalify(practice, coordinator, first, minutes_ago):
    """A patient in "Re-qualify", waiting since ``minutes_ago`` (the section's order)."""
    with time_machine.travel(NOW - dt.timedelta(minutes=minutes_ago), tick=False):
        return EnrollmentFactory(
            campaign__practice=practice,
            campaign__status="running",
            contact=ContactFactory(practice=practice, first_name=first, last_name="Patient"),
            coordinator=coordinator,
            state=State.REQUALIFYING,
        )


@pytest.fixture
def three(practice, me):
    """Ann, Bea and Cal to re-qualify, in that order."""
    return [
        to_requalify(practice, me.user, name, minutes)
        for name, minutes in [("Ann", 30), ("Bea", 20), ("Cal", 10)]
    ]


def tap(client, practice, enrollment, kind, **data):
    return client.post(
        url("outcome", practice, enrollment_id=enrollment.pk),
        {"kind": kind, **data},
        headers={"HX-Request": "true"},
    )


def panel_of(response) -> str:
    return re.search(r"<h2[^>]*>([^<]*)</h2>", response.content.decode()).group(1)


def test_after_an_outcome_the_next_patient_in_the_queue_opens(client, practice, three):
    _ann, bea, _cal = three

    response = tap(client, practice, bea, "not_a_fit")

    assert panel_of(response) == "Cal Patient"
    assert "Recorded for Bea Patient: <strong>Not a fit</strong>." in response.content.decode()


def test_after_the_last_patient_the_first_one_left_opens(client, practice, three):
    _ann, _bea, cal = three
    response = tap(client, practice, cal, "not_a_fit")
    assert panel_of(response) == "Ann Patient"


def test_the_next_patient_panel_offers_undo_of_the_outcome_just_recorded(client, practice, three):
    _ann, bea, _cal = three
    response = tap(client, practice, bea, "not_a_fit")
    recorded = bea.outcomes.get(kind=OutcomeKind.NOT_A_FIT)
    assert url("undo", practice, outcome_id=recorded.pk) in response.content.decode()


def test_ticking_stay_keeps_the_patient_open_after_an_outcome(client, practice, three):
    _ann, bea, _cal = three
    response = tap(client, practice, bea, "not_a_fit", stay="yes")
    assert panel_of(response) == "Bea Patient"
    assert "Recorded: <strong>Not a fit</strong>." in response.content.decode()


def test_a_pool_patient_another_coordinator_holds_is_passed_over(
    client, practice, me, member, three
):
    _ann, bea, _cal = three
    pool = to_requalify(practice, None, "Pia", 15)  # between Bea and Cal
    colleague = Client()
    colleague.force_login(member(Role.COORDINATOR).user)
    assert colleague.get(url("panel", practice, enrollment_id=pool.pk)).status_code == 200

    response = tap(client, practice, bea, "not_a_fit")

    assert panel_of(response) == "Cal Patient"


def test_a_reply_shows_the_patients_words_above_the_call_script(client, practice, me):
    enrollment = to_requalify(practice, me.user, "Rita", 5)
    sender = sender_for(practice)
    inbound_sms_receive(
        {
            "MessageSid": f"SM{next(SIDS):032d}",
            "From": enrollment.contact.phone,
            "To": sender.sms_number,
            "Body": "Is next week possible?",
        }
    )

    page = client.get(url("panel", practice, enrollment_id=enrollment.pk)).content.decode()

    assert "Rita wrote" in page
    assert page.index("Is next week possible?") < page.index("Say this")


def test_requalify_says_what_the_two_answers_lead_to_before_saving(client, practice, me):
    enrollment = to_requalify(practice, me.user, "Ann", 5)
    page = client.get(url("panel", practice, enrollment_id=enrollment.pk)).content.decode()
    assert "Soon + Yes → Scheduled" in page
    assert "Later + Yes → Nurture" in page
    assert "No → Closed, not a fit" in page


def test_a_requalify_missing_an_answer_keeps_the_answers_given(client, practice, me):
    enrollment = to_requalify(practice, me.user, "Ann", 5)

    response = tap(client, practice, enrollment, "requalify", soon="no", note="Call after May")

    page = response.content.decode()
    assert "Answer both questions." in page
    form = response.context["forms"]["requalify"]
    assert form.is_bound and form["soon"].value() == "no"
    assert re.search(r'value="no"[^>]*id="requalify-soon_1"[^>]*checked', page)
    assert "Call after May</textarea>" in page
    assert '<details class="card" open><summary>Re-qualify' in page
    enrollment.refresh_from_db()
    assert enrollment.state == State.REQUALIFYING


def test_scheduling_without_an_appointment_keeps_the_answers_and_says_where_they_lead(
    client, practice, me
):
    enrollment = to_requalify(practice, me.user, "Ann", 5)

    response = tap(client, practice, enrollment, "requalify", soon="yes", fit="yes", note="Keen")

    page = response.content.decode()
    assert "Give the appointment&#x27;s date and time to schedule." in page
    assert "These answers lead to: <strong>Scheduled</strong>." in page
    assert "Keen</textarea>" in page
    assert panel_of(response) == "Ann Patient"  # a refused outcome never moves on


def test_a_not_now_without_a_date_keeps_the_note(client, practice, me):
    enrollment = to_requalify(practice, me.user, "Ann", 5)
    response = tap(client, practice, enrollment, "not_now", note="Moving house")
    page = response.content.decode()
    assert "Choose the date to check back." in page
    assert "Moving house</textarea>" in page


def decide_at(enrollment, user, when):
    with time_machine.travel(when, tick=False):
        outcome_record(
            contact=enrollment.contact,
            enrollment=enrollment,
            kind=OutcomeKind.NOT_A_FIT,
            user=user,
        )


def test_decisions_today_leaves_out_last_evenings_in_the_practices_zone(practice, me):
    enrollment = to_requalify(practice, me.user, "Ann", 5)
    # 22:00 yesterday in New York: already today (03:00) in UTC.
    decide_at(enrollment, me.user, dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC))
    decide_at(enrollment, me.user, dt.datetime(2026, 12, 7, 12, 30, tzinfo=dt.UTC))

    count, _quota = queue_selectors.decisions_today(practice, me.user, NOW)

    assert count == 1


def test_the_decisions_bar_counts_only_todays_decisions(client, practice, me):
    enrollment = to_requalify(practice, me.user, "Ann", 5)
    decide_at(enrollment, me.user, dt.datetime(2026, 12, 6, 15, 0, tzinfo=dt.UTC))
    decide_at(enrollment, me.user, dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC))
    decide_at(enrollment, me.user, dt.datetime(2026, 12, 7, 12, 30, tzinfo=dt.UTC))

    page = client.get(url("queue", practice)).content.decode()

    assert "Decisions today: <strong>1</strong>" in page


def test_a_patient_booked_for_today_is_not_shown_as_stalled_on_a_new_york_evening(
    client, practice, me
):
    enrollment = to_requalify(practice, me.user, "Nia", 5)
    enrollment.contact.last_outcome = "no_show"
    enrollment.contact.next_appointment = dt.date(2026, 12, 7)
    enrollment.contact.save(update_fields=["last_outcome", "next_appointment"])
    # 20:00 in New York on 7 December, already 8 December by the server's clock (UTC).
    with time_machine.travel(dt.datetime(2026, 12, 8, 1, tzinfo=dt.UTC), tick=False):
        client.force_login(me.user)  # the morning's session has timed out
        page = client.get(url("panel", practice, enrollment_id=enrollment.pk))
    assert "Stalled after scheduling" not in page.content.decode()
    assert enrollment.get_bucket_display() in page.content.decode()
