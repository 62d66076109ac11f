"""The bench database: made on the bench's PostgreSQL server, migrated with the app's own
migrations, seeded by COPY, and cached.

The database is the profile's own (`upskill_bench`, `upskill_bench_smoke`, or the name in
`BENCH_DATABASE`) and the history step's (the same name + `_history`); no other database is
ever dropped or written. Once seeded, its comment records the data set (`Profile.marker`);
a later run with the same marker only resets what the previous run changed (competencies the
POST bench created, sessions and refresh tokens, login failures) and skips seeding.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from adapters.postgres import migrate
from adapters.postgres.level_tables import REBUILD
from adapters.security.passwords import Argon2PasswordHasher
from adapters.settings import Settings
from bench.dataset import ADMIN_EMAIL, PASSWORD, Dataset, Table
from bench.profiles import Profile

CREATED_PREFIX = "bench-"
"""Names of the competencies the POST bench creates (deleted at the start of every run)."""


def database_url(server_url: str, name: str) -> str:
    """The SQLAlchemy URL of database `name` on the server of `server_url`."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def dsn(url: str) -> str:
    """A SQLAlchemy URL as an asyncpg DSN."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _hasher(settings: Settings) -> Argon2PasswordHasher:
    return Argon2PasswordHasher(
        memory_cost=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
        max_concurrent=1,
    )


def hasher_key(settings: Settings) -> str:
    """The argon2 parameters, for the cache marker (users' hashes must match the app's)."""
    return f"argon2=m{settings.argon2_memory_kib}t{settings.argon2_time_cost}p{settings.argon2_parallelism}"


async def password_hash(settings: Settings) -> str:
    """The hash of the bench users' password, made once with the app's own hasher and
    parameters, and copied to every user (so a login never needs a rehash)."""
    hasher = _hasher(settings)
    try:
        return await hasher.hash(PASSWORD)
    finally:
        hasher.close()


async def _password_works(url: str, settings: Settings) -> bool:
    """Whether the stored admin's hash verifies the bench password (a sanity check of a cache)."""
    connection = await asyncpg.connect(dsn(url))
    try:
        stored = await connection.fetchval("SELECT password_hash FROM users WHERE email = $1", ADMIN_EMAIL)
    finally:
        await connection.close()
    hasher = _hasher(settings)
    try:
        return stored is not None and (await hasher.verify(PASSWORD, str(stored)))[0]
    except ValueError:
        return False
    finally:
        hasher.close()


async def _marker(admin: asyncpg.Connection, name: str) -> str | None:
    row = await admin.fetchrow(
        "SELECT shobj_description(oid, 'pg_database') AS marker FROM pg_database WHERE datname = $1", name
    )
    return None if row is None else str(row["marker"] or "")


def _schema_key() -> str:
    """The migration head and a digest of the migrations' text: an unreleased revision edited in
    place (same head, another schema) must not reuse a database seeded under its older text."""
    folder = Path(migrate.__file__).parent / "migrations" / "versions"
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in sorted(folder.glob("*.py")))).hexdigest()[:12]
    return f"{migrate.head()}/{digest}"


async def ensure_database(server_url: str, profile: Profile, settings: Settings, history: int = 0) -> str:
    """The URL of the profile's bench database, seeded with the data set of this version
    (seeding only when the cached one is missing or of another version). `history`: that many
    older assessments more (the history step's own database, bench/history.py; part of its key)."""
    name, url = profile.database, database_url(server_url, profile.database)
    wanted = f"{profile.marker(_schema_key())} {hasher_key(settings)}" + (f" history={history}" if history else "")
    admin = await asyncpg.connect(dsn(server_url))
    try:
        found = await _marker(admin, name)
        if found == wanted and await _password_works(url, settings):
            print(f"bench database {name}: cached data set ({wanted})")
            await _reset(url)
            return url
        if found is not None:
            print(f"bench database {name}: stale data set, seeding again")
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    started = time.perf_counter()
    await asyncio.to_thread(migrate.upgrade, url)
    await seed(url, Dataset(profile.sizes, await password_hash(settings), history))
    admin = await asyncpg.connect(dsn(server_url))
    try:
        await admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{wanted}'")
    finally:
        await admin.close()
    print(f"bench database {name}: migrated and seeded in {time.perf_counter() - started:.1f} s")
    return url


async def seed(url: str, dataset: Dataset) -> None:
    """COPY every table of the data set in dependency order, then VACUUM ANALYZE. Indexes that
    back no constraint are dropped before a table's COPY and made again after it, from their
    own definitions (one sort instead of a million insertions). As a superuser the foreign-key
    triggers are skipped (`session_replication_role = replica`): the generated data is
    consistent by construction; check constraints still hold."""
    connection = await asyncpg.connect(dsn(url))
    try:
        if await connection.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
            await connection.execute("SET session_replication_role = replica")
        await connection.execute("SET maintenance_work_mem = '256MB'")
        for table in dataset.tables():
            await _check_columns(connection, table)
            started = time.perf_counter()
            indexes = await _drop_plain_indexes(connection, table.name)
            counted = _Counted(table.rows)
            await connection.copy_records_to_table(table.name, records=counted, columns=list(table.columns))
            count = counted.count
            for definition in indexes:
                await connection.execute(definition)
            print(f"  {table.name:14s} {count:>9,} rows  {time.perf_counter() - started:6.1f} s")
        await connection.execute("RESET session_replication_role")
        started = time.perf_counter()
        await connection.execute(REBUILD)  # the current-level projection (its triggers were skipped)
        print(f"  competency_levels {time.perf_counter() - started:6.1f} s")
        started = time.perf_counter()
        await connection.execute("VACUUM (ANALYZE)")
        print(f"  vacuum analyze {time.perf_counter() - started:6.1f} s")
    finally:
        await connection.close()


async def _drop_plain_indexes(connection: asyncpg.Connection, table: str) -> list[str]:
    """Drop the table's indexes that back no constraint; their definitions, to make them again."""
    rows = await connection.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition "
        "FROM pg_index i WHERE i.indrelid = $1::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        table,
    )
    for row in rows:
        await connection.execute(f"DROP INDEX {row['name']}")
    return [str(row["definition"]) for row in rows]


class _Counted:
    """The rows of a table, counted as COPY streams them (PostgreSQL ingests while we generate)."""

    def __init__(self, rows: Iterator[tuple[object, ...]]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        for row in self._rows:
            self.count += 1
            yield row


async def _check_columns(connection: asyncpg.Connection, table: Table) -> None:
    """Raises RuntimeError when the migrated table has a required column the data set does not
    fill, or lacks one it does (the schema changed: update `bench.dataset`)."""
    rows = await connection.fetch(
        "SELECT column_name, is_nullable, column_default, is_generated FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = $1",
        table.name,
    )
    existing = {r["column_name"] for r in rows}
    required = {
        r["column_name"]
        for r in rows
        if r["is_nullable"] == "NO" and r["column_default"] is None and r["is_generated"] == "NEVER"
    }
    missing, unknown = required - set(table.columns), set(table.columns) - existing
    if missing or unknown:
        raise RuntimeError(f"table {table.name}: data set lacks {sorted(missing)}, schema lacks {sorted(unknown)}")


async def _reset(url: str) -> None:
    """Undo what a previous bench run left: created competencies, sessions, login failures,
    the outbox's events and idempotency keys."""
    connection = await asyncpg.connect(dsn(url))
    try:
        await connection.execute("DELETE FROM competencies WHERE name LIKE $1", f"{CREATED_PREFIX}%")
        await connection.execute(
            "TRUNCATE refresh_tokens, authorization_codes, auth_sessions, login_attempts, events, idempotency_keys"
        )
        await connection.execute("VACUUM (ANALYZE) competencies, employees, auth_sessions, refresh_tokens")
    finally:
        await connection.close()


async def server_version(url: str) -> str:
    connection = await asyncpg.connect(dsn(url))
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()
