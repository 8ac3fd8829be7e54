"""A fake Twilio for tests and benchmarks: the REST server (``server``), signed webhook
payloads (``signing``) and pytest fixtures (``fixtures``, registered in tests/conftest.py)."""

from tests.fake_twilio.server import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    FakeTwilio,
    RemoteFakeTwilio,
)

__all__ = ["DEFAULT_ACCOUNT_SID", "DEFAULT_AUTH_TOKEN", "FakeTwilio", "RemoteFakeTwilio"]
