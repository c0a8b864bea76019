"""Fixed-window rate limits that cost one Redis round trip per request, headers included.

Flask-Limiter's fixed window counts a hit with one script call, then, for the ``X-RateLimit-*``
headers, asks the store again for the count (``GET``) and the window's end (``TTL``): three round
trips on every limited request, the ballot's among them. Here the hit's script answers both, and
the headers of the same request use that answer. Any other store (``memory://`` in development and
tests) goes the library's way.
"""
from __future__ import annotations

import threading
import time

from limits import RateLimitItem
from limits.storage import RedisStorage
from limits.strategies import STRATEGIES, FixedWindowRateLimiter, WindowStats

#: The name of the strategy (``RATELIMIT_STRATEGY``), registered with the library's others.
STRATEGY = "fixed-window-one-trip"

#: As the library's ``incr_expire`` script, and the key's time to live in the same call.
_HIT_AND_TTL = """
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if current == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


class FixedWindowOneTrip(FixedWindowRateLimiter):
    """The library's fixed window; on Redis, a hit also tells the window's state, which the
    request's headers then read without asking again."""

    def __init__(self, storage):
        super().__init__(storage)
        self._script = storage.get_connection().register_script(_HIT_AND_TTL) if isinstance(storage, RedisStorage) else None
        #: Per thread (a request runs in one): the window a hit of this request just saw.
        self._seen = threading.local()

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        if self._script is None:
            return super().hit(item, *identifiers, cost=cost)
        key = item.key_for(*identifiers)
        current, ttl = self._script([self.storage.prefixed_key(key)], [item.get_expiry(), cost])
        self._seen.window = (key, WindowStats(time.time() + max(ttl, 0), max(0, item.amount - current)))
        return current <= item.amount

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        self._seen.window = None  # a test does not count: the next stats are read from the store
        return super().test(item, *identifiers, cost=cost)

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        seen, self._seen.window = getattr(self._seen, "window", None), None
        if seen is not None and seen[0] == item.key_for(*identifiers):
            return seen[1]
        return super().get_window_stats(item, *identifiers)


STRATEGIES[STRATEGY] = FixedWindowOneTrip
