"""Day 1 spread for a recipient with a contact cap: the text goes some hours after the
call, still inside the window; without a cap both go at the window's start."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from campaigns.lifecycle import campaign_create, campaign_start
from campaigns.models import Channel, Touch
from campaigns.scheduling import Recipient, SendingRules, is_allowed
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)  # a Tuesday
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


def day_one(practice, phone):
    contact = ContactFactory(practice=practice, phone=phone, time_zone="America/New_York")
    campaign = campaign_create(
        practice=practice, name="Winter", buckets=["inquiry"], start_date=TODAY
    )
    campaign_start(campaign, today=TODAY)
    touches = Touch.objects.filter(enrollment__contact=contact, step__day=1)
    return contact, {t.channel: t.due_at.astimezone(NEW_YORK) for t in touches}


def test_a_florida_patients_day_one_text_goes_three_hours_after_the_call(practice):
    contact, due = day_one(practice, "+13055550123")
    assert due[Channel.SMS] - due[Channel.CALL] == dt.timedelta(hours=3)
    assert due[Channel.SMS].date() == due[Channel.CALL].date() == TODAY
    assert is_allowed(due[Channel.SMS], SendingRules.of(practice), Recipient.of(contact, practice))


def test_a_patient_without_a_cap_gets_the_call_and_text_at_the_window_start(practice):
    _, due = day_one(practice, "+12125550123")
    assert due[Channel.SMS] == due[Channel.CALL]


def test_a_short_window_keeps_the_text_inside_it_with_its_last_hour_free(practice):
    practice.sending_window_start, practice.sending_window_end = dt.time(9), dt.time(12)
    practice.save()
    _, due = day_one(practice, "+13055550123")
    assert due[Channel.CALL].time() == dt.time(9) and due[Channel.SMS].time() == dt.time(11)
