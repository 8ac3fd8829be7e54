"""Every practice gets the default sequence, and its words pass the tone check clean."""

import pytest

from campaigns.defaults import DEFAULT_STEPS
from campaigns.models import Channel, Sequence, Template
from campaigns.sequences import sequence_default_ensure
from campaigns.tone import tone_check
from contacts.models import Bucket

WORDS = [
    pytest.param(step, bucket, body, id=f"day{step.day}-{step.channel}-{bucket}")
    for step in DEFAULT_STEPS
    for bucket, body in step.bodies.items()
]


@pytest.mark.parametrize(("step", "bucket", "body"), WORDS)
def test_default_words_pass_the_tone_check_without_a_warning(step, bucket, body):
    channel = "call" if step.channel == Channel.CALL else step.channel
    assert tone_check(body, channel=channel, one_question=step.one_question) == []


def test_every_step_has_words_for_every_bucket():
    assert all(set(step.bodies) == set(Bucket) for step in DEFAULT_STEPS)


def test_the_default_sequence_is_day_1_2_4_7_10():
    days = [(step.day, step.channel) for step in DEFAULT_STEPS]
    assert days == [
        (1, Channel.CALL),
        (1, Channel.SMS),
        (2, Channel.SMS),
        (4, Channel.CALL),
        (4, Channel.VOICEMAIL),
        (7, Channel.SMS),
        (10, Channel.SMS),
    ]


@pytest.mark.django_db
def test_sequence_default_ensure_copies_the_defaults_once(practice):
    first = sequence_default_ensure(practice)
    again = sequence_default_ensure(practice)
    assert first == again and Sequence.objects.count() == 1
    assert Template.objects.filter(step__sequence=first).count() == len(WORDS)
