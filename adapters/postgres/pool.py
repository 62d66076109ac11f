"""The process's asyncpg connection pool: opened on first use, shared by units of work and the
access gate.

No pre-ping: a connection the server closed is noticed by asyncpg (the socket's end arrives
on the event loop) and replaced at the next acquire; a statement that still meets a dead one
fails with Unavailable (503) and the next request gets a new connection. Releasing does not
reset session state (asyncpg's default reset is one more round trip per release): nothing
here sets any (no SET, LISTEN, advisory locks or cursors), and a transaction left open by a
cancelled request is rolled back before the connection goes back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from adapters.postgres.executor import Row

STATEMENT_CACHE = 512
"""Prepared statements kept per connection (asyncpg's LRU; the adapter has ~100 shapes)."""


async def _end_transaction(connection: asyncpg.Connection[Any]) -> None:
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


class ConnectionPool:
    """`acquire` / `release` on a pool of at most `max_size` connections to `dsn`."""

    def __init__(self, dsn: str, *, max_size: int, connect_args: Mapping[str, Any]) -> None:
        self._dsn = dsn
        self._max_size = max_size
        self._connect_args = dict(connect_args)
        self._pool: asyncpg.Pool[Row] | None = None
        self._opening = asyncio.Lock()

    async def _open(self) -> asyncpg.Pool[Row]:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=0,
                    max_size=self._max_size,
                    reset=_end_transaction,
                    record_class=Row,
                    statement_cache_size=STATEMENT_CACHE,
                    **self._connect_args,
                )
            return self._pool

    async def acquire(self, timeout_s: float) -> PoolConnectionProxy[Row]:
        pool = self._pool or await self._open()
        return await pool.acquire(timeout=timeout_s)

    async def release(self, connection: PoolConnectionProxy[Row]) -> None:
        pool = self._pool
        if pool is None:  # closed meanwhile
            connection.terminate()
            return
        await pool.release(connection)

    def stats(self) -> tuple[int, int, int]:
        """(maximum, open, idle) connections; nothing open before the first use."""
        pool = self._pool
        if pool is None:
            return self._max_size, 0, 0
        return self._max_size, pool.get_size(), pool.get_idle_size()

    async def close(self) -> None:
        """Closes every connection (waiting for those in use); a later acquire opens anew."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
