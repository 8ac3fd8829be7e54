"""The cap as a property: whatever the attempts (channels, family members at one number,
a person's second number, times), the cap is never exceeded in any 24 hours, for one person
or one number, and a hold only happens when the cap is reached."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import Channel, Touch
from campaigns.scheduling import Recipient
from outreach.contact_cap import WINDOW, cap_check
from outreach.models import Direction, Message
from tests.factories import ContactFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC)
SHARED = "+13055550123"  # Florida: 3 in 24 hours
OWN = "+13055550188"
LIMIT = 3

ATTEMPTS = st.lists(
    st.tuples(
        st.integers(0, 3 * 24 * 60),  # minutes after START
        st.integers(0, 2),  # which family member
        st.sampled_from([Channel.SMS, Channel.CALL, Channel.VOICEMAIL]),
        st.booleans(),  # to the member's own second number instead of the shared one
    ),
    min_size=1,
    max_size=30,
)


def most_in_24_hours(instants: list[dt.datetime]) -> int:
    instants = sorted(instants)
    return max(
        (sum(1 for t in instants if start <= t < start + WINDOW) for start in instants),
        default=0,
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(attempts=ATTEMPTS)
def test_the_cap_is_never_exceeded_for_a_person_or_a_number(practice, attempts):
    Message.objects.filter(practice=practice).delete()
    family = [
        ContactFactory(practice=practice, phone=SHARED, time_zone="America/New_York")
        for _ in range(3)
    ]
    enrollments = [EnrollmentFactory(campaign__practice=practice, contact=c) for c in family]
    sent: list[tuple[dt.datetime, int, str]] = []
    for minutes, member, channel, own_number in sorted(attempts, key=lambda a: a[0]):
        now = START + dt.timedelta(minutes=minutes)
        contact = family[member]
        # A contact whose number changed: the earlier number's attempts still count for them.
        contact.phone = OWN if own_number and member == 0 else SHARED
        touch = Touch(practice=practice, enrollment=enrollments[member], channel=channel)
        check = cap_check(touch, now, Recipient.of(contact, practice))
        if check.reason:
            assert check.used >= LIMIT and check.until > now
            continue
        message = Message.objects.create(
            practice=practice,
            contact=contact,
            direction=Direction.OUT,
            channel=channel,
            to_number=contact.phone,
            status="sent",
        )
        Message.objects.filter(pk=message.pk).update(created_at=now)
        sent.append((now, member, contact.phone))

    for number in (SHARED, OWN):
        assert most_in_24_hours([t for t, _, to in sent if to == number]) <= LIMIT
    for member in range(3):
        assert most_in_24_hours([t for t, who, _ in sent if who == member]) <= LIMIT
