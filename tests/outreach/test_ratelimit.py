"""The per-sender token bucket, in the test Redis."""

import pytest
import redis

from outreach.ratelimit import token_reserve, token_take


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


def test_the_next_tokens_can_be_reserved_one_interval_apart(bucket):
    for _ in range(5):
        token_take("MGtest")
    reserved = [token_reserve("MGtest", within=0.5) for _ in range(2)]
    # At 5 a second the next tokens are due 0.2 s and 0.4 s from now (less the time taken).
    assert [taken for taken, _ in reserved] == [True, True]
    assert 0.1 < reserved[0][1] <= 0.2 + 1e-6
    assert 0.3 < reserved[1][1] <= 0.4 + 1e-6


def test_a_token_beyond_the_wait_is_not_reserved_and_spends_nothing(bucket):
    for _ in range(5):
        token_take("MGtest")
    taken, wait = token_reserve("MGtest", within=0.1)
    assert not taken and 0.1 < wait <= 0.2 + 1e-6
    # Nothing was taken: the next token is still due within 0.2 s, not 0.4 s.
    taken, wait = token_reserve("MGtest", within=0.5)
    assert taken and wait <= 0.2 + 1e-6
