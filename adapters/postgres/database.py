"""The PostgreSQL database of the service: engine, connection pool, units of work, readiness."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import QueuePool

from adapters.postgres import migrate
from adapters.postgres.access_gate import PostgresAccessGate
from adapters.postgres.identity import LINKS
from adapters.postgres.registry import Registry
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from upskill.domain.cursor import CursorCodec
from upskill.domain.errors import Unavailable

READY_TIMEOUT_S = 2.0
COMMAND_TIMEOUT_MARGIN_S = 1.0
"""The client gives up this long after the server's statement timeout should have fired
(a server that does not answer at all)."""


class Database:
    """One per process. Connections are checked before use (`pool_pre_ping`), so the pool
    recovers by itself after a database restart; a database that is down or too slow makes
    operations raise Unavailable within the connect / pool / statement timeouts."""

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
    ) -> None:
        command_timeout = statement_timeout_ms / 1000 + COMMAND_TIMEOUT_MARGIN_S if statement_timeout_ms else None
        connect_args = {
            "timeout": connect_timeout_s,
            "command_timeout": command_timeout,
            "server_settings": {"statement_timeout": str(statement_timeout_ms), "application_name": "upskill"},
        }
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout_s,
            pool_pre_ping=True,
            connect_args=connect_args,
        )
        self.registry = Registry()
        for name, link in LINKS.items():
            self.registry.constraints.link(name, link)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._codec = CursorCodec(cursor_secret)
        self._head: str | None = None
        self._known: frozenset[str] = frozenset()
        self._gate = PostgresAccessGate(
            self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
            max_size=pool_size,
            acquire_timeout_s=pool_timeout_s,
            connect_args=connect_args,
            constraints=self.registry.constraints,
        )

    def access_gate(self) -> PostgresAccessGate:
        """The per-request check of access tokens (one per database, with its own small pool:
        see `access_gate`)."""
        return self._gate

    def unit_of_work(self) -> PostgresUnitOfWork:
        """A new unit of work (use each once, with `async with`)."""
        return PostgresUnitOfWork(self._sessions, self.registry, self._codec)

    async def ready(self) -> None:
        """Raises Unavailable unless the database answers within READY_TIMEOUT_S and its
        schema is at the migrations' head — or at a revision this code does not know, i.e. a
        newer one applied by a rolling upgrade (migrations keep the previous release working),
        so the old pods stay ready while the new ones roll out."""
        if self._head is None:
            self._known = frozenset(await asyncio.to_thread(migrate.revisions))
            self._head = await asyncio.to_thread(migrate.head)
        try:
            async with asyncio.timeout(READY_TIMEOUT_S), self.engine.connect() as connection:
                result = await connection.execute(text("SELECT version_num FROM alembic_version"))
                current = result.scalar()
        except Exception as error:
            raise Unavailable("The database cannot be reached or is not migrated.") from error
        if current != self._head and (current is None or current in self._known):
            raise Unavailable(f"The database schema is at revision {current}, not {self._head}.")

    def pool_stats(self) -> dict[str, float]:
        """The connection pools now, read without I/O (for metrics): the engine pool's
        configured size and connections checked out (overflow included), and the access gate
        pool's open and idle connections (0 before its first use)."""
        stats: dict[str, float] = {}
        pool = self.engine.pool
        if isinstance(pool, QueuePool):
            stats["db_pool_size"] = pool.size()
            stats["db_pool_checked_out"] = pool.checkedout()
        stats["access_gate_pool_size"], stats["access_gate_pool_idle"] = self._gate.pool_stats()
        return stats

    async def dispose(self) -> None:
        """Closes every pooled connection (the engine's and the access gate's)."""
        await self._gate.close()
        await self.engine.dispose()
