"""The service connects with the database URL in each form platforms hand out."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import text

from adapters.database_url import parse_database_url
from adapters.postgres import migrate
from adapters.postgres.database import Database
from tests.e2e.conftest import CURSOR_SECRET, connect


def _as(scheme: str, url: str, query: str = "") -> str:
    rendered = parse_database_url(url).render()
    assert rendered.startswith("postgresql://")
    joined = rendered + (("&" if "?" in rendered else "?") + query if query else "")
    return scheme + "://" + joined.removeprefix("postgresql://")


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+asyncpg"])
async def test_each_scheme_migrates_serves_and_reports_ready(module_url: str, scheme: str) -> None:
    url = _as(scheme, module_url, "application_name=upskill-e2e&connect_timeout=5")
    await asyncio.to_thread(migrate.upgrade, url)  # Alembic's engine
    database = Database(url, cursor_secret=CURSOR_SECRET)
    try:
        await database.ready()  # the service's pool
        connection = await database.pool.acquire(3)
        try:
            assert await connection.fetchval("SELECT current_setting('application_name')") == "upskill-e2e"
        finally:
            await database.pool.release(connection)
        async with database.engine.connect() as tools:  # the tools' SQLAlchemy engine
            assert await tools.scalar(text("SELECT current_database()")) == parse_database_url(url).database
    finally:
        await database.dispose()


async def test_sslmode_decides_whether_tls_is_used(module_url: str) -> None:
    probe = await connect(module_url)
    try:
        server_has_tls = await probe.fetchval("SHOW ssl") == "on"
    finally:
        await probe.close()
    plain = await connect(_as("postgres", module_url, "sslmode=disable"))
    try:
        assert await plain.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") is False
    finally:
        await plain.close()
    required = _as("postgres", module_url, "sslmode=require")
    if parse_database_url(required).hosts[0].startswith("/"):
        pytest.skip("a Unix socket never carries TLS (the embedded server)")
    if server_has_tls:
        secure = await connect(required)
        try:
            assert await secure.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") is True
        finally:
            await secure.close()
    else:
        with pytest.raises((asyncpg.PostgresError, ConnectionError, OSError)):
            await connect(required)
