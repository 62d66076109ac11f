"""A database that is down, slow, saturated or not migrated makes the adapter raise
Unavailable within seconds — never hang — and it recovers by itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from uuid import uuid4

import pytest
from sqlalchemy import make_url, text

from adapters.postgres import migrate
from adapters.postgres.database import Database
from tests.e2e.conftest import CURSOR_SECRET, connect, scratch_database, with_database
from tests.factories import department, persist
from upskill.domain.errors import Unavailable
from upskill.domain.organisation import Department


async def _find_any(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.repository(Department).find(uuid4())


async def _unavailable_within(seconds: float, operation: Callable[[], Awaitable[None]]) -> None:
    started = time.monotonic()
    with pytest.raises(Unavailable):
        await asyncio.wait_for(operation(), timeout=seconds + 5)
    assert time.monotonic() - started < seconds


@asynccontextmanager
async def _disposing(db: Database) -> AsyncIterator[Database]:
    try:
        yield db
    finally:
        await db.dispose()


async def _closed_port() -> int:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return port


async def test_a_refused_connection_is_unavailable_at_once() -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{await _closed_port()}/upskill"
    async with _disposing(Database(url, cursor_secret=CURSOR_SECRET)) as db:
        await _unavailable_within(3, lambda: _find_any(db))
        await _unavailable_within(3, db.ready)


async def test_a_server_that_never_answers_is_unavailable_after_the_connect_timeout() -> None:
    hung: list[asyncio.StreamWriter] = []

    async def accept_and_ignore(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hung.append(writer)

    server = await asyncio.start_server(accept_and_ignore, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/upskill"
    try:
        async with _disposing(Database(url, connect_timeout_s=0.5, cursor_secret=CURSOR_SECRET)) as db:
            await _unavailable_within(2, lambda: _find_any(db))
            await _unavailable_within(3, db.ready)
    finally:
        for writer in hung:
            writer.close()
        server.close()
        await server.wait_closed()


class FreezableProxy:
    """A TCP proxy to the test server that can stop forwarding: a server that hangs."""

    def __init__(self, url: str) -> None:
        target = make_url(url)
        socket_dir = target.query.get("host")
        self._host, self._port = target.host, target.port or 5432
        self._socket = f"{socket_dir}/.s.PGSQL.{self._port}" if isinstance(socket_dir, str) else None
        self._url = target.difference_update_query(["host"])
        self.frozen = asyncio.Event()
        self._writers: list[asyncio.StreamWriter] = []

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while not self.frozen.is_set() and (chunk := await reader.read(65536)):
            if self.frozen.is_set():
                return
            writer.write(chunk)
            await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        if self.frozen.is_set():
            return
        if self._socket is not None:
            upstream_reader, upstream_writer = await asyncio.open_unix_connection(self._socket)
        else:
            upstream_reader, upstream_writer = await asyncio.open_connection(self._host, self._port)
        self._writers.append(upstream_writer)
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Yields the URL of the database through the proxy."""
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield self._url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        finally:
            for writer in self._writers:
                writer.close()
            server.close()


async def test_a_server_that_stops_answering_is_unavailable_within_seconds(module_url: str) -> None:
    proxy = FreezableProxy(module_url)
    async with proxy.running() as url:
        db = Database(url, connect_timeout_s=0.5, statement_timeout_ms=200, cursor_secret=CURSOR_SECRET)
        async with _disposing(db):
            await _find_any(db)  # a pooled connection through the proxy
            proxy.frozen.set()
            await _unavailable_within(4, lambda: _find_any(db))
            await _unavailable_within(3, db.ready)


async def test_an_exhausted_pool_is_unavailable_after_the_pool_timeout(module_url: str) -> None:
    db = Database(module_url, pool_size=1, max_overflow=0, pool_timeout_s=0.3, cursor_secret=CURSOR_SECRET)
    async with _disposing(db), db.unit_of_work() as holding:
        await holding.repository(Department).find(uuid4())  # checks the only connection out
        await _unavailable_within(2, lambda: _find_any(db))


async def test_a_statement_blocked_past_the_statement_timeout_is_unavailable(module_url: str) -> None:
    db = Database(module_url, statement_timeout_ms=200, cursor_secret=CURSOR_SECRET)
    async with _disposing(db):
        sales = department()
        await persist(db.unit_of_work, sales)
        locker = await connect(module_url)
        try:
            async with locker.transaction():
                await locker.execute("SELECT 1 FROM departments WHERE id = $1 FOR UPDATE", sales.id)

                async def rename() -> None:
                    async with db.unit_of_work() as uow:
                        await uow.repository(Department).update(
                            sales.evolve(name="Renamed", version=2), expected_version=1
                        )

                await _unavailable_within(2, rename)
        finally:
            await locker.close()


async def test_a_lost_connection_is_unavailable_and_the_next_unit_of_work_reconnects(module_url: str) -> None:
    db = Database(module_url, pool_size=1, max_overflow=0, cursor_secret=CURSOR_SECRET)
    async with _disposing(db):
        sales = department()
        await persist(db.unit_of_work, sales)
        async with db.unit_of_work() as uow:
            pid = (await (await uow.connection()).execute(text("SELECT pg_backend_pid()"))).scalar_one()
            admin = await connect(module_url)
            try:
                await admin.execute("SELECT pg_terminate_backend($1)", pid)
            finally:
                await admin.close()
            with pytest.raises(Unavailable):
                await uow.repository(Department).get(sales.id)
        async with db.unit_of_work() as uow:
            assert await uow.repository(Department).get(sales.id) == sales


async def test_pooled_connections_killed_by_a_restart_are_replaced_unnoticed(module_url: str) -> None:
    db = Database(module_url, pool_size=2, cursor_secret=CURSOR_SECRET)
    async with _disposing(db):
        sales = department()
        await persist(db.unit_of_work, sales)  # leaves a connection in the pool
        admin = await connect(module_url)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'upskill' AND datname = current_database()"
            )
        finally:
            await admin.close()
        assert killed >= 1
        async with db.unit_of_work() as uow:
            assert await uow.repository(Department).get(sales.id) == sales


async def test_ready_on_a_migrated_database(module_url: str) -> None:
    async with _disposing(Database(module_url, cursor_secret=CURSOR_SECRET)) as db:
        await db.ready()


async def test_ready_on_a_database_without_migrations_is_unavailable(admin_url: str) -> None:
    async with scratch_database(admin_url) as url, _disposing(Database(url, cursor_secret=CURSOR_SECRET)) as db:
        await _unavailable_within(3, db.ready)


async def test_ready_on_a_database_at_an_older_revision_is_unavailable(admin_url: str) -> None:
    async with scratch_database(admin_url, migrated=True) as url:
        await asyncio.to_thread(migrate.downgrade, url, migrate.revisions()[0])
        async with _disposing(Database(url, cursor_secret=CURSOR_SECRET)) as db:
            with pytest.raises(Unavailable):
                await db.ready()


async def test_ready_on_a_database_at_a_newer_revision_stays_ready(admin_url: str) -> None:
    """A rolling upgrade migrates first: pods of the previous release keep serving."""
    async with scratch_database(admin_url, migrated=True) as url:
        conn = await connect(url)
        try:
            await conn.execute("UPDATE alembic_version SET version_num = 'a_newer_release'")
        finally:
            await conn.close()
        async with _disposing(Database(url, cursor_secret=CURSOR_SECRET)) as db:
            await db.ready()


async def test_ready_on_a_missing_database_is_unavailable(admin_url: str) -> None:
    url = with_database(admin_url, f"upskill_e2e_missing_{uuid4().hex[:8]}")
    async with _disposing(Database(url, cursor_secret=CURSOR_SECRET)) as db:
        await _unavailable_within(3, db.ready)
        await _unavailable_within(3, lambda: _find_any(db))
