"""Alembic environment: runs the migrations on an async engine.

The URL comes from `config.attributes["url"]` (set by `adapters.postgres.migrate`), else the
`sqlalchemy.url` option, else the `UPSKILL_DATABASE_URL` environment variable.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.database_url import parse_database_url
from adapters.postgres.tables import metadata

MIGRATION_LOCK = 0x75_70_73_6B_69_6C_6C  # "upskill": the advisory lock migrations hold


def _url() -> str:
    url = context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url")
    url = url or os.environ.get("UPSKILL_DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: pass one to adapters.postgres.migrate or set UPSKILL_DATABASE_URL")
    return str(url)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


async def _run_online() -> None:
    engine = create_async_engine(
        "postgresql+asyncpg://", poolclass=pool.NullPool, connect_args=parse_database_url(_url()).connect_kwargs()
    )
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(dialect_name="postgresql", target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
