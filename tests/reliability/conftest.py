"""Fixtures of the reliability suites: a real `upskill serve` worker on a fresh database of the
test server (seeded with the demo organisation, so lists and reads return real records), and
the in-process app on PostgreSQL for the race and hostile-input tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.postgres.database import Database
from adapters.postgres.embedded import create_database, drop_database, with_database
from tests.integration import conftest as integration
from tests.integration.conftest import Stack, build_stack, pg_backend, serve
from tests.reliability.hostile_world import Attack, build_world
from tests.system.conftest import Server, _private_jwks, wait_ready
from tests.system.conftest import serve as serve_process

backend, stack, client = integration.backend, integration.stack, integration.client
"""The integration suite's app fixtures (parametrised over memory and PostgreSQL), for the regressions."""

TOKEN_PATH = "/api/v1/auth/token"


def server_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a served worker: demo data, cheap hashing, limits out of the way."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("UPSKILL_")}
    env.update(
        UPSKILL_ENV="test",
        UPSKILL_DATABASE_URL=database_url,
        UPSKILL_JWT_KEYS=_private_jwks(),
        UPSKILL_CURSOR_SECRET="reliability-cursor-secret-0123",
        UPSKILL_DATA_DIR=str(data_dir),
        UPSKILL_SEED_DEMO="true",
        UPSKILL_ARGON2_MEMORY_KIB="1024",
        UPSKILL_ARGON2_TIME_COST="1",
        UPSKILL_LOCKOUT_THRESHOLD="1000000",
        UPSKILL_TOKEN_BURST_PER_IP="1000000",
        UPSKILL_TOKEN_RATE_PER_IP="1000000",
        UPSKILL_LOG_LEVEL="WARNING",
        UPSKILL_LOG_JSON="true",
        **extra,
    )
    return env


@pytest.fixture(scope="module")
async def served_database(postgres_admin_url: str) -> AsyncIterator[str]:
    """A fresh, empty database (the server migrates and seeds it)."""
    name = f"upskill_rel_{uuid.uuid4().hex[:10]}"
    await create_database(postgres_admin_url, name)
    try:
        yield with_database(postgres_admin_url, name)
    finally:
        await drop_database(postgres_admin_url, name)


@pytest.fixture(scope="module")
def served(served_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One `upskill serve` worker, ready."""
    env = server_env(served_database, tmp_path_factory.mktemp("data"))
    with serve_process(env, tmp_path_factory.mktemp("logs")) as server:
        wait_ready(server, timeout_s=120)
        yield server


def bearer_for(server: Server, email: str, password: str) -> dict[str, str]:
    """Authorization header of a fresh session of this account."""
    response = httpx.post(
        f"{server.base_url}{TOKEN_PATH}",
        data={"grant_type": "password", "username": email, "password": password},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def pg_stack(db: Database, **options: Any) -> Stack:
    """The real app on PostgreSQL (`build_stack` options pass through)."""
    return build_stack(pg_backend(db), **options)


@pytest.fixture
async def pg_client(clean_pg: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The in-process app on an emptied PostgreSQL database, logged in as the admin."""
    async with serve(pg_stack(clean_pg)) as client:
        yield client


async def truncate(database_url: str) -> None:
    """Empty every table of the test database but the schema version (as `clean_pg` does)."""

    from adapters.postgres.embedded import connect

    conn = await connect(database_url)
    try:
        tables = await conn.fetch(
            "SELECT quote_ident(tablename) AS t FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        await conn.execute(f"TRUNCATE {', '.join(r['t'] for r in tables)} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def attack(pg: Database, database_url: str) -> AsyncIterator[Attack]:
    """The in-process app on PostgreSQL with one record of every collection (module-wide)."""
    await truncate(database_url)
    async with serve(pg_stack(pg)) as client:
        yield Attack(client, await build_world(client), database_url)
