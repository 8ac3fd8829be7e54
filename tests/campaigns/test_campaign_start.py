"""Starting a campaign: who is enrolled, who is left out and why, holdout, variants,
coordinators and the planned touches."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from campaigns.defaults import DEFAULT_STEPS
from campaigns.lifecycle import campaign_create, campaign_start, split_exact
from campaigns.models import CampaignStatus, Channel, Enrollment, Touch, TouchStatus
from campaigns.selectors import audience_preview
from contacts.models import LastOutcome
from reactivate.models import Role
from tests.factories import ContactFactory, EnrollmentFactory

TODAY = dt.date(2026, 12, 1)  # a Tuesday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


def create(practice, **kwargs):
    return campaign_create(
        practice=practice,
        name="Winter",
        buckets=kwargs.pop("buckets", ["inquiry", "not_now"]),
        start_date=kwargs.pop("start_date", TODAY),
        **kwargs,
    )


def test_preview_counts_each_exclusion_once_by_reason(practice):
    ContactFactory(practice=practice)  # eligible inquiry
    ContactFactory(practice=practice, do_not_contact=True, next_appointment=TODAY)
    ContactFactory(practice=practice, next_appointment=TODAY + dt.timedelta(days=3))
    ContactFactory(practice=practice, last_activity=TODAY - dt.timedelta(days=2))
    EnrollmentFactory(campaign__practice=practice)  # its contact is in an open enrollment
    ContactFactory(practice=practice, phone="", phone_valid=False)
    ContactFactory(practice=practice, last_outcome=LastOutcome.TREATMENT_PLAN)  # other bucket

    preview = audience_preview(practice, ["inquiry", "not_now"], {}, TODAY)

    assert preview.eligible == 1
    assert preview.excluded == {
        "do_not_contact": 1,
        "upcoming_appointment": 1,
        "recent_activity": 1,
        "open_enrollment": 1,
        "no_valid_channel": 1,
    }


def test_start_enrolls_the_eligible_and_reports_exclusions(practice):
    ContactFactory.create_batch(3, practice=practice)
    ContactFactory(practice=practice, do_not_contact=True)

    result = campaign_start(create(practice), today=TODAY)

    assert result == {
        "enrolled": 3,
        "held_out": 0,
        "excluded": {
            "do_not_contact": 1,
            "upcoming_appointment": 0,
            "recent_activity": 0,
            "open_enrollment": 0,
            "no_valid_channel": 0,
        },
    }
    assert Enrollment.objects.filter(campaign__status=CampaignStatus.RUNNING).count() == 3


def test_a_patient_in_an_open_enrollment_is_not_enrolled_again(practice):
    ContactFactory(practice=practice)
    campaign_start(create(practice), today=TODAY)

    result = campaign_start(create(practice), today=TODAY)

    assert result["enrolled"] == 0 and result["excluded"]["open_enrollment"] == 1


def test_a_campaign_starts_only_once(practice):
    campaign = create(practice)
    campaign_start(campaign, today=TODAY)
    with pytest.raises(ValidationError, match="already started"):
        campaign_start(campaign, today=TODAY)


def test_held_out_patients_are_enrolled_but_never_get_a_touch(practice):
    ContactFactory.create_batch(40, practice=practice)

    result = campaign_start(create(practice, holdout_percent=25), today=TODAY)

    assert (result["enrolled"], result["held_out"]) == (30, 10)
    held = Enrollment.objects.filter(held_out=True)
    assert held.count() == 10
    assert not Touch.objects.filter(enrollment__in=held).exists()
    assert Touch.objects.filter(enrollment__held_out=False).exists()


def test_opener_variants_split_close_to_the_asked_shares(practice):
    ContactFactory.create_batch(1000, practice=practice, phone="+12125550100")
    campaign = create(
        practice, variants=[(50, ""), (30, "Hi {first_name}, still interested?"), (20, "")]
    )

    campaign_start(campaign, today=TODAY)

    shares = Counter(Enrollment.objects.values_list("variant__label", flat=True))
    assert shares == {"A": 500, "B": 300, "C": 200}


def test_split_exact_keeps_every_item_once():
    parts = split_exact(list(range(7)), [1, 1, 1])
    assert sorted(x for part in parts for x in part) == list(range(7))
    assert sorted(len(part) for part in parts) == [2, 2, 3]


def test_round_robin_assigns_coordinators_in_turn(practice, member):
    one, two = member(Role.COORDINATOR).user, member(Role.COORDINATOR).user
    ContactFactory.create_batch(6, practice=practice)

    campaign_start(create(practice, coordinators=[one.pk, two.pk]), today=TODAY)

    assert Counter(Enrollment.objects.values_list("coordinator", flat=True)) == {
        one.pk: 3,
        two.pk: 3,
    }


def test_a_patient_keeps_an_assigned_coordinator_who_works_the_campaign(practice, member):
    one, two = member(Role.COORDINATOR).user, member(Role.COORDINATOR).user
    contact = ContactFactory(practice=practice, assigned_to=two)

    campaign_start(create(practice, coordinators=[one.pk, two.pk]), today=TODAY)

    assert Enrollment.objects.get(contact=contact).coordinator == two


def test_touches_follow_the_default_sequence_days(practice):
    ContactFactory(practice=practice, phone="+12125550100", time_zone="America/New_York")

    campaign_start(create(practice), today=TODAY)

    touches = Touch.objects.order_by("due_at", "step__position")
    # One touch per step of the default sequence (tests/campaigns/test_defaults.py pins it).
    assert [(t.step.day, t.channel) for t in touches] == [
        (step.day, step.channel) for step in DEFAULT_STEPS
    ]
    first = touches[0].due_at.astimezone(ZoneInfo("America/New_York"))
    assert (first.date(), first.time()) == (TODAY, dt.time(9, 0))


def test_a_patient_without_a_textable_number_gets_email_instead_of_texts(practice):
    ContactFactory(
        practice=practice,
        phone="",
        phone_valid=False,
        email="pat@example.com",
        email_valid=True,
    )

    campaign_start(create(practice), today=TODAY)

    texts = Touch.objects.filter(step__channel=Channel.SMS)
    assert {t.channel for t in texts} == {Channel.EMAIL}
    calls = Touch.objects.filter(step__channel=Channel.CALL)
    assert {(t.status, t.reason) for t in calls} == {
        (TouchStatus.SKIPPED, "skipped: no number or email this step can use")
    }


def test_unknown_buckets_are_refused(practice):
    with pytest.raises(ValidationError, match="Choose buckets"):
        create(practice, buckets=["someday"])


def test_a_campaign_started_on_a_new_york_evening_starts_that_day_not_the_next(practice):
    # 20:00 in New York is 01:00 the next day in UTC, the server's time zone.
    ContactFactory(practice=practice)
    evening = dt.datetime(2026, 12, 1, 20, tzinfo=ZoneInfo("America/New_York"))
    with time_machine.travel(evening, tick=False):
        campaign_start(create(practice))
    assert Enrollment.objects.get().start_day == TODAY
