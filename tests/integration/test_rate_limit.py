"""The per-IP token bucket of the credential routes: rate, burst, Retry-After and bounded memory."""

from __future__ import annotations

import pytest

from adapters.http.rate_limit import TokenBucketLimiter


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_rate_with_retry_after_until_the_next_token() -> None:
    ticks = Ticks()
    limiter = TokenBucketLimiter(rate=0.5, burst=3, clock=ticks)

    assert [limiter.acquire("1.2.3.4") for _ in range(4)] == [0, 0, 0, 2]
    assert limiter.acquire("5.6.7.8") == 0  # another address has its own bucket
    ticks.now += 1.0
    assert limiter.acquire("1.2.3.4") == 1
    ticks.now += 1.0
    assert limiter.acquire("1.2.3.4") == 0
    assert limiter.acquire("1.2.3.4") == 2


def test_refused_requests_do_not_cost_tokens() -> None:
    ticks = Ticks()
    limiter = TokenBucketLimiter(rate=1.0, burst=1, clock=ticks)
    assert limiter.acquire("a") == 0
    for _ in range(10):
        assert limiter.acquire("a") == 1
    ticks.now += 1.0
    assert limiter.acquire("a") == 0


def test_idle_buckets_are_forgotten_and_the_table_is_capped() -> None:
    ticks = Ticks()
    limiter = TokenBucketLimiter(rate=1.0, burst=5, max_entries=100, clock=ticks)
    for n in range(100):
        limiter.acquire(f"10.0.0.{n}")
    assert len(limiter) == 100

    for n in range(50):  # over the cap: the least recently seen go
        limiter.acquire(f"10.0.1.{n}")
    assert len(limiter) == 100
    ticks.now += 5.0  # every bucket is full again: the same as no bucket
    limiter.acquire("10.0.2.1")
    assert len(limiter) == 1


def test_a_recently_seen_address_is_kept_over_older_ones() -> None:
    ticks = Ticks()
    limiter = TokenBucketLimiter(rate=1.0, burst=2, max_entries=2, clock=ticks)
    limiter.acquire("old")
    limiter.acquire("busy")
    limiter.acquire("old")  # "old" is now the most recently seen, and out of tokens
    limiter.acquire("new")  # the table is full: "busy" goes

    assert limiter.acquire("old") == 1  # kept its (empty) bucket
    assert len(limiter) == 2


@pytest.mark.parametrize(("rate", "burst", "entries"), [(0, 1, 1), (1, 0, 1), (1, 1, 0)])
def test_nonsense_settings_are_refused(rate: float, burst: int, entries: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        TokenBucketLimiter(rate=rate, burst=burst, max_entries=entries)
