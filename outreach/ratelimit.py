"""A per-sender token bucket in Redis, shared by every worker process.

Twilio queues what a sender cannot send at once and fails what waits too long; a bucket
keeps our pace near the sender's throughput instead. One Lua script refills and takes a
token atomically, so concurrent workers never overdraw it.

A sender may also reserve a token that comes within a short time (``token_reserve``): the
bucket goes below zero by the reservations, so each later taker waits behind them, and a
send task sleeps until its token is due instead of giving the touch back to the next beat
pass (a minute away, which held a practice at one burst a minute).
"""

from __future__ import annotations

import functools
import time

import redis
from django.conf import settings

# ARGV: rate, burst, now, within. Takes a token now, or reserves the next one when it comes
# within ``within`` seconds (the bucket goes negative by it). Returns {taken, wait}: taken
# with the seconds until the token is due (0: now), or not taken with the seconds until a
# token would be free.
_TAKE = """
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local within = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
local taken = 1
if tokens < 1 then
  wait = (1 - tokens) / rate
  if wait > within then taken = 0 end
end
if taken == 1 then tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', math.max(now, at))
redis.call('EXPIRE', KEYS[1], 3600)
return {taken, tostring(wait)}
"""


@functools.cache
def _script():
    client = redis.Redis.from_url(settings.REDIS_URL)
    return client.register_script(_TAKE)


def _limited() -> bool:
    return bool(settings.OUTREACH_SEND_RATE and settings.REDIS_URL)


def _call(sender: str, within: float) -> tuple[bool, float]:
    rate = settings.OUTREACH_SEND_RATE
    burst = max(1.0, rate)
    taken, wait = _script()(
        keys=[f"reactivate:rate:{sender}"], args=[rate, burst, time.time(), within]
    )
    return bool(int(taken)), float(wait)


def token_take(sender: str) -> float:
    """Take a token for ``sender``; returns 0, or the seconds to wait before trying again.

    Off (always 0) when ``OUTREACH_SEND_RATE`` is 0 or there is no Redis (local sandbox).
    """
    if not _limited():
        return 0.0
    taken, wait = _call(sender, 0.0)
    return 0.0 if taken else wait


def token_reserve(sender: str, within: float) -> tuple[bool, float]:
    """Take ``sender``'s next token if it comes within ``within`` seconds.

    Returns ``(True, seconds until it is due)``: the token is this caller's; send at that
    time, not before. Or ``(False, seconds until one would be free)``: nothing was taken.
    Off (always ``(True, 0)``) as ``token_take`` is.
    """
    if not _limited():
        return True, 0.0
    return _call(sender, within)
