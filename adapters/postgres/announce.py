"""Waking the relay: after a commit that added events, one `NOTIFY upskill_events` — sent on a
pooled connection outside the write's transaction, at most once per `coalesce_s` however many
writes commit meanwhile. The relay (on whichever replica holds the advisory lock) LISTENs on a
connection of its own (`leadership.py`); its slow poll stays the safety net if a notification
is lost (the process died between its commit and the NOTIFY, the pool was exhausted).

Why not a trigger: a NOTIFY inside the write transaction takes PostgreSQL's notification-queue
lock at commit, serialising every committing writer. Measured with `make bench` on one server
(16 connections, POST /competencies): 0.41 of the floor with a statement trigger, 0.48 without.
"""

from __future__ import annotations

import asyncio
import contextlib

from loguru import logger

from adapters.postgres.event_tables import CHANNEL
from adapters.postgres.pool import ConnectionPool

NOTIFY = f"SELECT pg_notify('{CHANNEL}', '')"


class Announcer:
    def __init__(self, pool: ConnectionPool, *, acquire_timeout_s: float, coalesce_s: float = 0.02) -> None:
        self._pool, self._timeout, self._coalesce_s = pool, acquire_timeout_s, coalesce_s
        self._wanted = False
        self._task: asyncio.Task[None] | None = None

    def __call__(self) -> None:
        """Events were committed: announce them soon (never blocks, never raises)."""
        self._wanted = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._wanted:  # a commit during the NOTIFY asks for one more
            await asyncio.sleep(self._coalesce_s)
            self._wanted = False
            try:
                connection = await self._pool.acquire(self._timeout)
                try:
                    await connection.execute(NOTIFY)
                finally:
                    await self._pool.release(connection)
            except Exception as error:
                logger.debug("events committed, not announced ({}): the relay's poll will find them", error)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
