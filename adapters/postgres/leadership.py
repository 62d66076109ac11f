"""The Leadership port over PostgreSQL: a session-level advisory lock on a connection of its
own (outside the pool). The holder LISTENs on `upskill_events` (the app notifies after each
commit that adds events, coalesced: `announce.py`). When the holder dies or its connection drops, the server
frees the lock and another replica takes it at its next try."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg

from adapters.postgres.event_tables import CHANNEL

RELAY_LOCK = 0x75_70_73_6B_72_6C_79  # "upskrly": one advisory lock key for the relay


class AdvisoryLeadership:
    def __init__(self, connect_args: dict[str, Any], *, connect_timeout_s: float = 3.0, key: int = RELAY_LOCK) -> None:
        """`connect_args`: asyncpg's keyword arguments for the database (as the pool's, from
        `adapters.database_url`); this connection gets its own timeout and application name."""
        settings = {**connect_args.get("server_settings", {}), "application_name": "upskill-relay"}
        self._connect_args = {**connect_args, "timeout": connect_timeout_s, "server_settings": settings}
        self._timeout, self._key = connect_timeout_s, key
        self._connection: asyncpg.Connection[Any] | None = None
        self._held = False
        self._news = asyncio.Event()

    async def acquire(self) -> bool:
        try:
            connection = self._connection
            if connection is None or connection.is_closed():
                self._held = False
                connection = self._connection = await asyncpg.connect(**self._connect_args)
            if self._held:
                await connection.fetchval("SELECT 1", timeout=self._timeout)  # still connected: still held
                return True
            self._held = bool(await connection.fetchval("SELECT pg_try_advisory_lock($1)", self._key))
            if self._held:
                await connection.add_listener(CHANNEL, self._notified)
                self._news.set()  # there may be a backlog
            return self._held
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            await self._drop()
            return False

    def _notified(self, *_: object) -> None:
        self._news.set()

    async def wait_for_news(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._news.wait(), seconds)
        self._news.clear()

    async def release(self) -> None:
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection, self._held = self._connection, None, False
        if connection is not None and not connection.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), self._timeout)
