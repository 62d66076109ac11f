"""Where the tests get their PostgreSQL, in this order:

1. `UPSKILL_TEST_DATABASE_URL` (any database on the server; the tests create their own);
2. a throwaway container through testcontainers, when a Docker daemon answers within ~2 s;
3. the embedded PostgreSQL in a temporary folder, deleted afterwards (the only choice with
   `UPSKILL_TEST_POSTGRES=embedded`).

Each test session creates a fresh database (`upskill_test_<random>`), migrates it to head with
Alembic and drops it at the end, so tests never touch the dev data or each other's runs.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from adapters.memory import MemoryStore
from adapters.postgres.database import Database
from adapters.postgres.embedded import EmbeddedPostgres, connect, create_database, drop_database, with_database
from adapters.postgres.migrate import upgrade

CURSOR_SECRET = b"test-cursor-secret-0123456789"
EMBEDDED_ONLY = os.environ.get("UPSKILL_TEST_POSTGRES") == "embedded"
"""`UPSKILL_TEST_POSTGRES=embedded`: the embedded server whatever else there is (the path of a
newcomer without PostgreSQL or Docker; `.ci/run` runs the e2e tests on it too)."""


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """URL of a PostgreSQL server on which the tests may create and drop databases."""
    given = None if EMBEDDED_ONLY else os.environ.get("UPSKILL_TEST_DATABASE_URL")
    if given:
        yield given  # any form adapters.database_url reads
        return
    if not EMBEDDED_ONLY and _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:17-alpine", driver="asyncpg") as container:
            yield container.get_connection_url()
        return
    server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="upskill-test-pg-")), delete_on_stop=True)
    server.start()
    try:
        yield server.url()
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def database_url(postgres_admin_url: str) -> AsyncIterator[str]:
    """A fresh database migrated to head, dropped after the session."""
    name = f"upskill_test_{uuid.uuid4().hex[:12]}"
    await create_database(postgres_admin_url, name)
    url = with_database(postgres_admin_url, name)
    try:
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await drop_database(postgres_admin_url, name)


@pytest.fixture(scope="session")
async def pg(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, cursor_secret=CURSOR_SECRET)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def clean_pg(pg: Database, database_url: str) -> Database:
    """`pg` with every table emptied first: DELETE with triggers (and so foreign-key checks) off
    for the statement's transaction, and sequences restarted — on the few rows a test leaves,
    ~1 ms where TRUNCATE took ~0.1 s a test. TRUNCATE where the role may not turn triggers off."""
    conn = await connect(database_url)
    try:
        tables = [
            r["t"]
            for r in await conn.fetch(
                "SELECT quote_ident(tablename) AS t FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ]
        sequences = [
            r["s"]
            for r in await conn.fetch(
                "SELECT quote_ident(sequence_name) AS s FROM information_schema.sequences "
                "WHERE sequence_schema = 'public'"
            )
        ]
        if tables:
            try:
                async with conn.transaction():
                    await conn.execute("SET LOCAL session_replication_role = replica")
                    deletes = [f"DELETE FROM {t}" for t in tables]
                    await conn.execute("; ".join(deletes + [f"ALTER SEQUENCE {s} RESTART" for s in sequences]))
            except asyncpg.InsufficientPrivilegeError:
                await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
    return pg


@pytest.fixture
def memory_store() -> MemoryStore:
    return MemoryStore(cursor_secret=CURSOR_SECRET)
