"""The PostgreSQL database of the service: connection pool, units of work, readiness."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.database_url import parse_database_url
from adapters.postgres import migrate
from adapters.postgres.access_gate import PostgresAccessGate
from adapters.postgres.announce import Announcer
from adapters.postgres.executor import Compiler
from adapters.postgres.identity import LINKS
from adapters.postgres.leadership import AdvisoryLeadership
from adapters.postgres.pool import ConnectionPool
from adapters.postgres.registry import Registry
from adapters.postgres.signin import LINKS as SIGN_IN_LINKS
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from upskill.domain.cursor import CursorCodec
from upskill.domain.errors import Unavailable
from upskill.domain.events import DEFAULT_SOURCE

READY_TIMEOUT_S = 2.0
COMMAND_TIMEOUT_MARGIN_S = 1.0
"""The client gives up this long after the server's statement timeout should have fired
(a server that does not answer at all)."""


def engine(url: str, **options: Any) -> AsyncEngine:
    """A SQLAlchemy engine (asyncpg driver) on `url`, in any form `adapters.database_url` reads."""
    return create_async_engine(
        "postgresql+asyncpg://", connect_args=parse_database_url(url).connect_kwargs(), **options
    )


class Database:
    """One per process: one asyncpg pool (`pool_size + max_overflow` connections, opened as
    needed) for units of work and the access gate. The pool recovers by itself after a
    database restart (see `pool`); a database that is down or too slow makes operations raise
    Unavailable within the connect / pool / statement timeouts."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 5,
        pool_timeout_s: float = 3.0,
        connect_timeout_s: float = 3.0,
        statement_timeout_ms: int = 5000,
        cursor_secret: bytes = b"upskill-dev-cursor-secret-change-me",
        access_cache_s: float = 1.0,
        event_source: str = DEFAULT_SOURCE,
    ) -> None:
        self.event_source = event_source
        command_timeout = statement_timeout_ms / 1000 + COMMAND_TIMEOUT_MARGIN_S if statement_timeout_ms else None
        self.url = url
        target = parse_database_url(url).connect_kwargs(timeout=connect_timeout_s)
        # jit off: for these short statements compiling costs more than it saves (~17 ms on a
        # 10,000-person department's coverage, whose estimated cost crosses jit_above_cost)
        server_settings = {"statement_timeout": str(statement_timeout_ms), "application_name": "upskill", "jit": "off"}
        connect_args = {
            **target,
            "command_timeout": command_timeout,
            "server_settings": server_settings | target.get("server_settings", {}),  # the URL's win
        }
        self._pool_timeout_s = pool_timeout_s
        self._connect_args = connect_args
        self.pool = ConnectionPool(None, max_size=pool_size + max_overflow, connect_args=connect_args)
        self._engine: AsyncEngine | None = None
        self.registry = Registry()
        for name, link in {**LINKS, **SIGN_IN_LINKS}.items():
            self.registry.constraints.link(name, link)
        self._compiler = Compiler()
        self._codec = CursorCodec(cursor_secret)
        self._head: str | None = None
        self._known: frozenset[str] = frozenset()
        self._announcer = Announcer(self.pool, acquire_timeout_s=pool_timeout_s)
        self._gate = PostgresAccessGate(
            self.pool,
            acquire_timeout_s=pool_timeout_s,
            constraints=self.registry.constraints,
            connect_args=connect_args,
            max_age_s=access_cache_s,
        )

    @property
    def engine(self) -> AsyncEngine:
        """A SQLAlchemy engine on the same database, for tools and tests (made on first use;
        the service itself never uses it)."""
        if self._engine is None:
            self._engine = engine(self.url, pool_pre_ping=True)
        return self._engine

    @contextmanager
    def statements(self) -> Iterator[list[tuple[str, Sequence[Any]]]]:
        """The SQL and arguments of every statement units of work run inside the block (for
        tests that count round trips or EXPLAIN what was sent)."""
        seen: list[tuple[str, Sequence[Any]]] = []

        def record(sql: str, arguments: Sequence[Any]) -> None:
            seen.append((sql, arguments))

        self._compiler.observers.append(record)
        try:
            yield seen
        finally:
            self._compiler.observers.remove(record)

    def access_gate(self) -> PostgresAccessGate:
        """The per-request check of access tokens (one per database, with its own small pool:
        see `access_gate`)."""
        return self._gate

    def leadership(self) -> AdvisoryLeadership:
        """The relay's leadership across replicas (an advisory lock on a connection of its own)."""
        return AdvisoryLeadership(self._connect_args)

    def unit_of_work(self) -> PostgresUnitOfWork:
        """A new unit of work (use each once, with `async with`)."""
        return PostgresUnitOfWork(
            self.pool,
            self.registry,
            self._codec,
            self._compiler,
            acquire_timeout_s=self._pool_timeout_s,
            on_access_change=self._gate.forget,
            on_events=self._announcer,
            event_source=self.event_source,
        )

    async def ready(self) -> None:
        """Raises Unavailable unless the database answers within READY_TIMEOUT_S and its
        schema is at the migrations' head — or at a revision this code does not know, i.e. a
        newer one applied by a rolling upgrade (migrations keep the previous release working),
        so the old pods stay ready while the new ones roll out."""
        if self._head is None:
            self._known = frozenset(await asyncio.to_thread(migrate.revisions))
            self._head = await asyncio.to_thread(migrate.head)
        try:
            async with asyncio.timeout(READY_TIMEOUT_S):
                connection = await self.pool.acquire(READY_TIMEOUT_S)
                try:
                    current = await connection.fetchval("SELECT version_num FROM alembic_version")
                finally:
                    await self.pool.release(connection)
        except Exception as error:
            raise Unavailable("The database cannot be reached or is not migrated.") from error
        if current != self._head and (current is None or current in self._known):
            raise Unavailable(f"The database schema is at revision {current}, not {self._head}.")

    def pool_stats(self) -> dict[str, float]:
        """The connection pool now, read without I/O (for metrics): its configured size (pool
        size + overflow), connections open, and connections checked out (open but not idle)."""
        size, opened, idle = self.pool.stats()
        return {"db_pool_size": size, "db_pool_open": opened, "db_pool_checked_out": opened - idle}

    async def dispose(self) -> None:
        """Closes every pooled connection, the access gate's listening one (and the tools'
        engine, if one was made)."""
        await self._announcer.close()
        await self._gate.close()
        await self.pool.close()
        if self._engine is not None:
            await self._engine.dispose()
