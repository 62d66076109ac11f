"""The process's PostgreSQL connections: a small pool of asyncpg connections, opened as needed,
shared by units of work and the access gate.

A pool of our own rather than asyncpg's: asyncpg's runs every acquire with a timeout through
`wait_for` (a new task) and every release through `shield` (another task) and a timeout
context — about an eighth of the CPU of an authenticated GET on the bench. Here a free
connection is taken and given back without a task or a timer; only a caller that has to wait
for one (the pool exhausted) waits with a timeout.

- No pre-ping: a connection the server closed is noticed by asyncpg (the socket's end
  arrives on the event loop) and dropped when met here; a unit of work's first statement that
  still meets one runs again on a new connection (see `executor`).
- Releasing runs no reset (asyncpg's default is one more round trip): nothing here sets
  session state (no SET, LISTEN, advisory locks or cursors); a transaction left open is rolled
  back, and a connection whose use was cancelled or timed out is closed, not reused.
- Idle connections are closed after `idle_lifetime_s`, at the next acquire.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

import asyncpg

from adapters.postgres.executor import Row

STATEMENT_CACHE = 512
"""Prepared statements kept per connection (asyncpg's LRU; the adapter has ~100 shapes)."""
IDLE_LIFETIME_S = 300.0


class ConnectionPool:
    """`acquire` / `release` of at most `max_size` connections made with `dsn` (None: all in
    `connect_args`) and `connect_args`. `close()` closes them
    (those in use when they come back); a later acquire opens new ones."""

    def __init__(
        self,
        dsn: str | None,
        *,
        max_size: int,
        connect_args: Mapping[str, Any],
        idle_lifetime_s: float = IDLE_LIFETIME_S,
    ) -> None:
        self._dsn = dsn
        self._max_size = max_size
        self._connect_args = dict(connect_args)
        self._idle_lifetime_s = idle_lifetime_s
        self._idle: list[tuple[asyncpg.Connection[Row], float]] = []  # a stack: the warmest on top
        self._members: set[asyncpg.Connection[Row]] = set()  # open connections of this generation
        self._opening = 0
        self._waiters: deque[asyncio.Future[asyncpg.Connection[Row] | None]] = deque()

    # -- taking and giving back ----------------------------------------------------------------

    async def acquire(self, timeout_s: float) -> asyncpg.Connection[Row]:
        """A connection for the caller alone until `release`; waits at most `timeout_s` for
        one when all are in use (TimeoutError), and raises what connecting raises."""
        now = time.monotonic()
        while self._idle:
            connection, since = self._idle.pop()
            if connection.is_closed() or now - since > self._idle_lifetime_s:
                self._drop(connection)
                continue
            return connection
        if len(self._members) + self._opening < self._max_size:
            return await self._connect()
        waiter: asyncio.Future[asyncpg.Connection[Row] | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout_s):
                handed = await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():  # handed over as the wait ended
                self._give_back(waiter.result())
            else:
                waiter.cancel()
            raise
        return handed if handed is not None else await self._connect(reserved=True)

    async def release(self, connection: asyncpg.Connection[Row]) -> None:
        """Give `connection` back (rolling back a transaction left open)."""
        if connection not in self._members or connection.is_closed():
            self._drop(connection)
            return
        if connection.is_in_transaction():
            try:
                await connection.execute("ROLLBACK")
            except Exception:  # a connection in an unknown state is not reused
                self._drop(connection)
                return
        self._give_back(connection)

    def discard(self, connection: asyncpg.Connection[Row]) -> None:
        """Close `connection` instead of giving it back (its use was cancelled or timed out:
        a query may still be running on it)."""
        self._drop(connection)

    # -- internals ------------------------------------------------------------------------------

    async def _connect(self, *, reserved: bool = False) -> asyncpg.Connection[Row]:
        """A new connection; `reserved`: its place was already counted for the caller."""
        if not reserved:
            self._opening += 1
        try:
            connection: asyncpg.Connection[Row] = await asyncpg.connect(
                self._dsn, record_class=Row, statement_cache_size=STATEMENT_CACHE, **self._connect_args
            )
        except BaseException:
            self._opening -= 1
            self._hand_place()
            raise
        self._opening -= 1
        self._members.add(connection)
        return connection

    def _give_back(self, connection: asyncpg.Connection[Row] | None) -> None:
        """To the first caller still waiting, else to the idle stack (None: a place, not a
        connection, is given back)."""
        if connection is None:
            self._opening -= 1
            self._hand_place()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append((connection, time.monotonic()))

    def _drop(self, connection: asyncpg.Connection[Row]) -> None:
        if connection in self._members:
            self._members.discard(connection)
            self._hand_place()
        if not connection.is_closed():
            connection.terminate()

    def _hand_place(self) -> None:
        """A place came free: let the first caller still waiting open a connection in it."""
        while self._waiters and len(self._members) + self._opening < self._max_size:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._opening += 1  # reserved for the waiter
                waiter.set_result(None)
                return

    def stats(self) -> tuple[int, int, int]:
        """(maximum, open, idle) connections."""
        return self._max_size, len(self._members), len(self._idle)

    async def close(self) -> None:
        """Close the idle connections now and the others when they come back; callers still
        waiting get a TimeoutError when their wait ends."""
        idle, self._idle = self._idle, []
        self._members = set()
        for connection, _ in idle:
            try:
                await connection.close(timeout=2)
            except Exception:  # closing anyway
                connection.terminate()
