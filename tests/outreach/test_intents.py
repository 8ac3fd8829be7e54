"""Reading an inbound text: keywords, plain-language requests, unclear ones."""

import pytest

from outreach.inbound import intent_of


@pytest.mark.parametrize(
    ("body", "kind", "channels"),
    [
        ("STOP", "stop", ("sms",)),
        ("stop.", "stop", ("sms",)),
        (" Unsubscribe ", "stop", ("sms",)),
        ("cancel", "stop", ("sms",)),
        ("QUIT", "stop", ("sms",)),
        ("revoke", "stop", ("sms",)),
        ("optout", "stop", ("sms",)),
        ("END", "stop", ("sms",)),
        ("STOPALL", "stop", ("sms", "call", "email")),
        ("Please stop texting me", "stop", ("sms",)),
        ("remove me from your list", "stop", ("sms",)),
        ("Don't text me again", "stop", ("sms",)),
        ("do not call me or text me", "stop", ("sms", "call")),
        ("no more texts please", "stop", ("sms",)),
        ("START", "start", ("sms",)),
        ("unstop", "start", ("sms",)),
        ("HELP", "help", ("sms",)),
        ("wrong number", "wrong_number", ("sms",)),
        ("Not interested", "unclear_stop", ("sms",)),
        ("who is this?", "unclear_stop", ("sms",)),
        ("Yes, next Tuesday works", "reply", ("sms",)),
        ("Can I stop by Friday?", "unclear_stop", ("sms",)),
        ("Cancel my appointment please", "reply", ("sms",)),
    ],
)
def test_intent_of_an_inbound_text(body, kind, channels):
    intent = intent_of(body)
    assert (intent.kind, intent.channels) == (kind, channels)


def test_twilios_opt_out_type_wins_over_the_words():
    assert intent_of("whatever", "STOP").kind == "stop"
    assert intent_of("whatever", "START").kind == "start"
