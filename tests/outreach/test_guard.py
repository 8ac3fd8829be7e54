"""The send guard: send, hold with the next allowed time, or skip, with a reason."""

import datetime as dt

import pytest

from campaigns.models import CampaignStatus, Channel, State
from outreach.guard import Action, guard_check
from tests.outreach.helpers import NOON, claimed_touch

pytestmark = pytest.mark.django_db


def check(touch, now=NOON):
    touch.refresh_from_db()
    return guard_check(touch, now)


def test_a_touch_in_the_window_to_a_willing_patient_is_sent(practice):
    assert check(claimed_touch(practice)).action == Action.SEND


def test_a_patient_who_replied_is_not_texted(practice):
    touch = claimed_touch(practice)
    touch.enrollment.state = State.PAUSED
    touch.enrollment.save()
    verdict = check(touch)
    assert (verdict.action, verdict.reason) == (Action.SKIP, "skipped: enrollment paused: replied")


def test_a_paused_campaign_holds_its_touches(practice):
    touch = claimed_touch(practice)
    touch.enrollment.campaign.status = CampaignStatus.PAUSED
    touch.enrollment.campaign.save()
    assert check(touch).action == Action.HOLD


def test_do_not_contact_is_skipped(practice):
    verdict = check(claimed_touch(practice, do_not_contact=True))
    assert (verdict.action, verdict.reason) == (Action.SKIP, "skipped: do not contact")


def test_a_patient_with_an_upcoming_appointment_is_not_contacted(practice):
    touch = claimed_touch(practice, next_appointment=NOON.date() + dt.timedelta(days=2))
    verdict = check(touch)
    assert (verdict.action, verdict.reason) == (
        Action.SKIP,
        "skipped: upcoming appointment on Fri 4 Dec",
    )


def test_a_past_appointment_does_not_stop_touches(practice):
    touch = claimed_touch(practice, next_appointment=NOON.date() - dt.timedelta(days=1))
    assert check(touch).action == Action.SEND


def test_an_sms_opt_out_is_skipped_with_when_and_how(practice):
    touch = claimed_touch(
        practice, sms_opt_out_at=NOON - dt.timedelta(days=1), sms_opt_out_via="text: STOP"
    )
    verdict = check(touch)
    assert verdict.action == Action.SKIP
    assert verdict.reason == "skipped: opted out of texts on 2026-12-01 (text: STOP)"


def test_an_sms_opt_out_does_not_stop_email(practice):
    touch = claimed_touch(
        practice,
        channel=Channel.EMAIL,
        sms_opt_out_at=NOON,
        email="pat@example.com",
        email_valid=True,
    )
    assert check(touch).action == Action.SEND


def test_a_number_texts_cannot_reach_is_skipped(practice):
    verdict = check(claimed_touch(practice, sms_unreachable="landline"))
    assert verdict.action == Action.SKIP and "landline" in verdict.reason


def test_late_evening_in_florida_is_held_until_morning(practice):
    touch = claimed_touch(practice, phone="+13055550123")
    late = dt.datetime(2026, 12, 3, 1, 41, tzinfo=dt.UTC)  # 20:41 in Miami (EST)
    practice.sending_window_end = dt.time(21, 0)
    practice.save()
    verdict = check(touch, late)
    assert verdict.action == Action.HOLD
    assert verdict.reason == (
        "held: 20:41 in America/New_York is past the 20:00 limit of Florida "
        "(Fla. Stat. 501.059); moved to 09:00"
    )
    assert verdict.until == dt.datetime(2026, 12, 3, 14, 0, tzinfo=dt.UTC)


def test_quiet_hours_use_the_patients_zone_not_the_practices(practice):
    touch = claimed_touch(practice, phone="+14155550123", time_zone="America/Los_Angeles")
    # 15:00 UTC is 10:00 in New York but 07:00 in San Francisco.
    verdict = check(touch, NOON)
    assert verdict.action == Action.HOLD
    assert verdict.until == dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.UTC)
