"""The per-sender token bucket, in the test Redis."""

import pytest
import redis

from outreach.ratelimit import token_take


@pytest.fixture
def bucket(settings):
    settings.OUTREACH_SEND_RATE = 5.0
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("reactivate:rate:MGtest", "reactivate:rate:MGother")
    yield
    client.delete("reactivate:rate:MGtest", "reactivate:rate:MGother")


def test_a_burst_up_to_the_rate_passes_then_waits(bucket):
    waits = [token_take("MGtest") for _ in range(6)]
    assert waits[:5] == [0.0] * 5
    assert 0 < waits[5] <= 0.2 + 1e-6


def test_senders_have_their_own_buckets(bucket):
    for _ in range(5):
        token_take("MGtest")
    assert token_take("MGother") == 0.0


def test_a_rate_of_zero_turns_the_limit_off(settings):
    settings.OUTREACH_SEND_RATE = 0
    assert all(token_take("MGtest") == 0.0 for _ in range(50))
