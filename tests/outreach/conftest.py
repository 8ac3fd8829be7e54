"""Fixtures of the outreach tests."""

import pytest


@pytest.fixture
def twilio(twilio_settings, fake_twilio):
    """Sending through the real SDK to the session's fake Twilio (the worker's too), with
    no rate limit: what was sent is asked of it."""
    twilio_settings.MESSAGING_BACKEND = "twilio"
    twilio_settings.OUTREACH_SEND_RATE = 0
    return fake_twilio
