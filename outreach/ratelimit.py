"""A per-sender token bucket in Redis, shared by every worker process.

Twilio queues what a sender cannot send at once and fails what waits too long; a bucket
keeps our pace near the sender's throughput instead. One Lua script refills and takes a
token atomically, so concurrent workers never overdraw it.
"""

from __future__ import annotations

import functools
import time

import redis
from django.conf import settings

_TAKE = """
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], 3600)
return tostring(wait)
"""


@functools.cache
def _script():
    client = redis.Redis.from_url(settings.REDIS_URL)
    return client.register_script(_TAKE)


def token_take(sender: str) -> float:
    """Take a token for ``sender``; returns 0, or the seconds to wait before trying again.

    Off (always 0) when ``OUTREACH_SEND_RATE`` is 0 or there is no Redis (local sandbox).
    """
    rate = settings.OUTREACH_SEND_RATE
    if not rate or not settings.REDIS_URL:
        return 0.0
    burst = max(1.0, rate)
    return float(_script()(keys=[f"reactivate:rate:{sender}"], args=[rate, burst, time.time()]))
