"""Fixtures: the fake Twilio server, and settings that point the real SDK at it."""

from __future__ import annotations

import pytest

from outreach.twilio_client import twilio_client
from tests.fake_twilio.server import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio


@pytest.fixture(scope="session")
def fake_twilio_server():
    """One server for the whole session (started once, stopped at the end)."""
    with FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture
def fake_twilio(fake_twilio_server):
    """The session's fake Twilio, with an empty log and no switches set."""
    fake_twilio_server.reset()
    yield fake_twilio_server
    fake_twilio_server.reset()


@pytest.fixture
def twilio_settings(settings, fake_twilio):
    """Settings for the real SDK against ``fake_twilio``; a fresh client before and after.

    Yields pytest-django's ``settings`` (change TWILIO_TIMEOUT etc., then call
    ``twilio_client.cache_clear()``).
    """
    settings.TWILIO_ACCOUNT_SID = fake_twilio.account_sid
    settings.TWILIO_AUTH_TOKEN = fake_twilio.auth_token
    settings.TWILIO_API_BASE_URL = fake_twilio.base_url
    settings.TWILIO_TIMEOUT = 5.0
    twilio_client.cache_clear()
    yield settings
    twilio_client.cache_clear()
