"""A token bucket per client IP for the unauthenticated credential routes (token, register,
revoke): a cheap first line against password spraying and floods, in front of the per-account
lockout that the core keeps in the store.

Per replica and in memory: N replicas allow N times the rate, which is fine for a coarse guard.
Memory is bounded: a bucket idle long enough to be full again is the same as no bucket and is
dropped, and past `max_entries` the least recently seen buckets are dropped too (their IPs start
again with a full burst, so a flood of spoofed-looking sources cannot grow the table).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from adapters.http.problems import RATE_LIMITED, ProblemException

UNKNOWN_CLIENT = "-"


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """`rate` requests per second per key on average, `burst` at once. Not thread-safe: it is
    used from the event loop only (no awaits inside, so no interleaving)."""

    def __init__(
        self,
        *,
        rate: float,
        burst: int,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1 or max_entries < 1:
            raise ValueError("rate must be > 0, burst and max_entries >= 1")
        self.rate, self.burst, self.max_entries = rate, burst, max_entries
        self._clock = clock
        self._refill_s = burst / rate  # an untouched bucket is full again after this long
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def acquire(self, key: str) -> int:
        """Take one token for `key`: 0 if allowed, else the whole seconds until one is available."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._evict(now)  # only a new key grows the table
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            self._buckets.move_to_end(key)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))

    def _evict(self, now: float) -> None:
        """Drop buckets from the least recently seen end while they are full again, then while
        there are too many. The order is by last use, so the scan stops at the first live one."""
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if now - oldest.updated < self._refill_s and len(self._buckets) < self.max_entries:
                return
            self._buckets.popitem(last=False)

    async def __call__(self, request: Request) -> None:
        """As a FastAPI dependency: raises a 429 problem with `Retry-After` when the caller's IP
        is over its rate. The IP is the connection's (uvicorn's `proxy_headers` puts the one a
        trusted proxy forwarded there)."""
        key = request.client.host if request.client is not None else UNKNOWN_CLIENT
        retry = self.acquire(key)
        if retry:
            raise ProblemException(
                RATE_LIMITED,
                "Too many requests from this address; try again later.",
                headers={"Retry-After": str(retry)},
            )
