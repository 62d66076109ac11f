"""Databases of the e2e tests: each test module gets its own, created and dropped here.

The server comes from `UPSKILL_TEST_DATABASE_URL` (any database on it; the tests only create
and drop `upskill_e2e_*` databases of their own), or else from the suite-wide
`postgres_admin_url` fixture (container or embedded server).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest

from adapters.postgres import migrate
from adapters.postgres.database import Database
from adapters.postgres.embedded import connect, dsn, with_database

__all__ = ["connect", "dsn", "with_database"]  # for the test modules

CURSOR_SECRET = b"e2e-cursor-secret-0123456789"
TABLES = (
    "events",
    "idempotency_keys",
    "plans",
    "enrollments",
    "course_covers",
    "courses",
    "feedback",
    "assessments",
    "requirements",
    "identity_links",
    "authorization_codes",
    "oidc_pending_logins",
    "login_attempts",
    "refresh_tokens",
    "auth_sessions",
    "users",
    "employees",
    "competencies",
    "departments",
)


@asynccontextmanager
async def scratch_database(admin_url: str, *, migrated: bool = False) -> AsyncIterator[str]:
    """A new empty database (`upskill_e2e_<random>`), dropped on exit; yields its URL."""
    name = f"upskill_e2e_{uuid.uuid4().hex[:12]}"
    admin = await connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(admin_url, name)
    try:
        if migrated:
            await asyncio.to_thread(migrate.upgrade, url)
        yield url
    finally:
        admin = await connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="session")
def admin_url(request: pytest.FixtureRequest) -> Iterator[str]:
    given = os.environ.get("UPSKILL_TEST_DATABASE_URL")
    if given and os.environ.get("UPSKILL_TEST_POSTGRES") != "embedded":
        yield given  # any form adapters.database_url reads
    else:
        yield request.getfixturevalue("postgres_admin_url")


@pytest.fixture(scope="module")
async def module_url(admin_url: str) -> AsyncIterator[str]:
    """A database of this test module, migrated to head."""
    async with scratch_database(admin_url, migrated=True) as url:
        yield url


@pytest.fixture(scope="module")
async def module_db(module_url: str) -> AsyncIterator[Database]:
    database = Database(module_url, cursor_secret=CURSOR_SECRET)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def db(module_db: Database, module_url: str) -> Database:
    """The module's database with every table emptied."""
    conn = await connect(module_url)
    try:
        await conn.execute(f"TRUNCATE {', '.join(TABLES)}")
    finally:
        await conn.close()
    return module_db
