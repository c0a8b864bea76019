"""Rate limits on Redis: a limited request costs one round trip, and its headers say the same as
the library's fixed window would (pb_service/ratelimit.py)."""
from __future__ import annotations

import uuid

import pytest
import redis
from limits import parse
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter

from pb_service.extensions import limiter
from pb_service.ratelimit import FixedWindowOneTrip
from tests.app_servers import REDIS_URL, redis_answers

pytestmark = pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379")


def commands_sent(storage_prefix: str, action) -> list[str]:
    """The commands clients sent Redis on keys of this prefix while ``action`` ran (MONITOR)."""
    watcher = redis.Redis.from_url(REDIS_URL)
    marker = f"end-{storage_prefix}"
    with watcher.monitor() as monitor:
        action()
        redis.Redis.from_url(REDIS_URL).echo(marker)
        seen = []
        for entry in monitor.listen():
            if marker in entry["command"]:
                return seen
            if storage_prefix in entry["command"] and entry.get("client_type") != "lua":  # not a script's own steps
                seen.append(entry["command"].split()[0].upper())


def test_a_hit_and_its_window_cost_one_round_trip_and_agree_with_the_library():
    prefix = f"pb-test-{uuid.uuid4().hex[:8]}"
    ours = FixedWindowOneTrip(RedisStorage(REDIS_URL, key_prefix=prefix))
    library = FixedWindowRateLimiter(RedisStorage(REDIS_URL, key_prefix=prefix + "-lib"))
    limit = parse("3 per minute")
    answers = []

    def three_requests_and_a_refusal():
        for _ in range(4):
            answers.append((ours.hit(limit, "voter", "ballots"), ours.get_window_stats(limit, "voter", "ballots").remaining))

    # A Redis server that has not run the script yet refuses the first EVALSHA and the client
    # loads it and sends it again: once per server (a fresh machine's first test), not per request.
    ours.hit(limit, "warm-up")
    assert commands_sent(prefix, three_requests_and_a_refusal) == ["EVALSHA"] * 4
    assert answers == [(True, 2), (True, 1), (True, 0), (False, 0)]
    expected = [(library.hit(limit, "voter", "ballots"), library.get_window_stats(limit, "voter", "ballots").remaining) for _ in range(4)]
    assert answers == expected
    reset_ours, reset_library = ours.get_window_stats(limit, "voter", "ballots").reset_time, library.get_window_stats(limit, "voter", "ballots").reset_time
    assert abs(reset_ours - reset_library) <= 2
    ours.storage.reset(), library.storage.reset()


def test_stats_without_a_hit_of_the_same_key_are_read_from_the_store():
    prefix = f"pb-test-{uuid.uuid4().hex[:8]}"
    ours = FixedWindowOneTrip(RedisStorage(REDIS_URL, key_prefix=prefix))
    limit = parse("5 per minute")
    ours.hit(limit, "a")
    ours.hit(limit, "b")
    # The last hit was b's: a's window is asked of the store (GET and TTL), and says 4 left.
    assert ours.get_window_stats(limit, "a").remaining == 4
    ours.hit(limit, "a")
    assert ours.test(limit, "a")
    assert commands_sent(prefix, lambda: ours.get_window_stats(limit, "a")) == ["GET", "TTL"]  # a test reads, it does not hit
    assert ours.get_window_stats(limit, "b").remaining == 4
    ours.storage.reset()


def test_other_stores_go_the_library_way():
    ours = FixedWindowOneTrip(MemoryStorage())
    limit = parse("2 per minute")
    assert [ours.hit(limit, "x") for _ in range(3)] == [True, True, False]
    assert ours.get_window_stats(limit, "x").remaining == 0


def test_the_app_limits_with_it(app):
    assert isinstance(limiter.limiter, FixedWindowOneTrip)
