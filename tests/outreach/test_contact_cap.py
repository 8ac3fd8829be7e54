"""The contact cap across channels: calls, texts and voicemail to one person or one number
count together against the strictest cap of their states (Florida: 3 in 24 hours)."""

import datetime as dt

import pytest
import time_machine

from campaigns.models import Channel, Touch, TouchStatus
from campaigns.scheduling import Recipient
from outreach.contact_cap import cap_check
from outreach.guard import Action, guard_check
from outreach.models import Direction, Kind, Message, MessageStatus
from outreach.pacing import touches_send
from tests.factories import ContactFactory, EnrollmentFactory
from tests.outreach.helpers import NOON, claimed_touch

pytestmark = pytest.mark.django_db

MIAMI = "+13055550123"  # a Florida area code
HOUR = dt.timedelta(hours=1)


def sent(contact, at, channel=Channel.SMS, kind=Kind.TOUCH, to=None, status=MessageStatus.SENT):
    """An attempt that went out at ``at`` (the dispatcher's or click-to-call's row)."""
    message = Message.objects.create(
        practice_id=contact.practice_id,
        contact=contact,
        direction=Direction.OUT,
        channel=channel,
        kind=kind,
        to_number=to or contact.phone,
        status=status,
    )
    Message.objects.filter(pk=message.pk).update(created_at=at)
    return message


def check(touch, now=NOON):
    touch = Touch.objects.select_related(
        "practice", "enrollment__contact", "enrollment__campaign"
    ).get(pk=touch.pk)
    return guard_check(touch, now)


def test_a_fourth_contact_in_24_hours_to_a_florida_number_is_held_with_the_law_in_words(
    practice,
):
    touch = claimed_touch(practice, phone=MIAMI)
    contact = touch.enrollment.contact
    sent(contact, NOON - 20 * HOUR, Channel.CALL)
    sent(contact, NOON - 5 * HOUR, Channel.VOICEMAIL)
    sent(contact, NOON - 1 * HOUR, Channel.SMS)

    verdict = check(touch)

    assert verdict.action == Action.HOLD
    # The oldest (a call 20 h ago) leaves the window 4 h from now: 14:00 in Miami.
    assert verdict.until == NOON + 4 * HOUR
    assert verdict.reason == (
        "held: 3 calls and texts to this number in 24 hours, Florida's limit "
        "(Fla. Stat. 501.059); moved to Wed 14:00"
    )
    assert (verdict.cap_used, verdict.cap_limit) == (3, 3)


def test_contacts_older_than_24_hours_do_not_count(practice):
    touch = claimed_touch(practice, phone=MIAMI)
    contact = touch.enrollment.contact
    for hours in (25, 30, 2):
        sent(contact, NOON - hours * HOUR)
    verdict = check(touch)
    assert verdict.action == Action.SEND and (verdict.cap_used, verdict.cap_limit) == (1, 3)


def test_a_family_members_contacts_at_the_same_number_count(practice):
    touch = claimed_touch(practice, phone=MIAMI)
    sibling = ContactFactory(practice=practice, phone=MIAMI)
    for hours in (1, 2, 3):
        sent(sibling, NOON - hours * HOUR)
    assert check(touch).action == Action.HOLD


def test_contacts_to_the_persons_earlier_number_count_for_the_person(practice):
    touch = claimed_touch(practice, phone=MIAMI)
    contact = touch.enrollment.contact
    for hours in (1, 2, 3):
        sent(contact, NOON - hours * HOUR, to="+13055550999")
    assert check(touch).action == Action.HOLD


def test_opt_out_confirmations_and_help_answers_do_not_count(practice):
    touch = claimed_touch(practice, phone=MIAMI)
    contact = touch.enrollment.contact
    sent(contact, NOON - HOUR, kind=Kind.CONFIRMATION)
    sent(contact, NOON - HOUR, kind=Kind.HELP)
    sent(contact, NOON - HOUR)
    sent(contact, NOON - HOUR)
    assert check(touch).action == Action.SEND


def test_a_coordinators_replies_that_never_went_out_do_not_count(practice):
    touch = claimed_touch(practice, phone=MIAMI)
    contact = touch.enrollment.contact
    for status in (MessageStatus.PLANNED, MessageStatus.CANCELED, MessageStatus.NOT_SENT):
        sent(contact, NOON - HOUR, kind=Kind.MANUAL, status=status)
    sent(contact, NOON - HOUR)
    sent(contact, NOON - HOUR)
    assert check(touch).action == Action.SEND


def test_another_practices_contacts_to_the_same_number_do_not_count(practice, other_practice):
    touch = claimed_touch(practice, phone=MIAMI)
    stranger = ContactFactory(practice=other_practice, phone=MIAMI)
    for hours in (1, 2, 3):
        sent(stranger, NOON - hours * HOUR)
    assert check(touch).action == Action.SEND


def test_a_number_outside_capped_states_has_no_cap(practice):
    touch = claimed_touch(practice)  # New York
    contact = touch.enrollment.contact
    for hours in (1, 2, 3, 4, 5):
        sent(contact, NOON - hours * HOUR)
    verdict = check(touch)
    assert verdict.action == Action.SEND and verdict.cap_limit is None


def test_emails_neither_count_nor_are_capped(practice):
    touch = claimed_touch(practice, phone=MIAMI, channel=Channel.EMAIL, email="pat@example.com")
    touch.enrollment.contact.__class__.objects.filter(pk=touch.enrollment.contact_id).update(
        email_valid=True
    )
    contact = touch.enrollment.contact
    for hours in (1, 2, 3):
        sent(contact, NOON - hours * HOUR)
    assert check(touch).action == Action.SEND


def test_fifty_family_members_at_one_number_get_three_contacts_in_a_day(practice, twilio):
    first = claimed_touch(practice, phone=MIAMI)
    campaign = first.enrollment.campaign
    touches = [first]
    for _ in range(49):
        contact = ContactFactory(practice=practice, phone=MIAMI, time_zone="America/New_York")
        enrollment = EnrollmentFactory(campaign=campaign, contact=contact)
        touches.append(
            Touch.objects.create(
                practice=practice,
                enrollment=enrollment,
                step=first.step,
                channel=Channel.SMS,
                due_at=NOON,
                status=TouchStatus.CLAIMED,
                claimed_at=NOON,
            )
        )
    with time_machine.travel(NOON, tick=True):
        results = touches_send([t.pk for t in touches], NOON)

    assert sorted(results.values()).count("sent") == 3
    assert list(results.values()).count("held") == 47
    assert len(twilio.messages_to(MIAMI)) == 3
    held = Touch.objects.filter(pk__in=[t.pk for t in touches], status=TouchStatus.PLANNED)
    assert {t.due_at for t in held} == {NOON + 24 * HOUR}


def test_the_explain_history_is_counted_instead_of_the_database(practice):
    touch = claimed_touch(practice, phone=MIAMI)
    loaded = Touch.objects.select_related("practice", "enrollment__contact").get(pk=touch.pk)
    recipient = Recipient.of(loaded.enrollment.contact, practice)
    history = [NOON - HOUR, NOON - 2 * HOUR, NOON - 30 * HOUR]
    check_ = cap_check(loaded, NOON, recipient, history)
    assert (check_.reason, check_.used, check_.limit) == ("", 2, 3)
