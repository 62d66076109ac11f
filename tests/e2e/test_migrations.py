"""Alembic migrations: every step reversible (stairway), the result identical to the models."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from adapters.postgres import migrate
from adapters.postgres.database import engine as create_engine
from adapters.postgres.tables import metadata
from tests.e2e.conftest import connect, scratch_database

CATALOGUE = {
    "columns": """
        SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default,
               collation_name, is_generated, generation_expression
        FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'alembic_version'
    """,
    "constraints": """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public' AND c.conrelid::regclass::text <> 'alembic_version'
    """,
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename <> 'alembic_version'
    """,
}


async def _catalogue(url: str) -> dict[str, list[tuple[Any, ...]]]:
    conn = await connect(url)
    try:
        return {name: sorted(tuple(row) for row in await conn.fetch(sql)) for name, sql in CATALOGUE.items()}
    finally:
        await conn.close()


async def _tables(url: str) -> set[str]:
    conn = await connect(url)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row["tablename"] for row in rows}
    finally:
        await conn.close()


async def _current(url: str) -> str | None:
    conn = await connect(url)
    try:
        value: str | None = await conn.fetchval("SELECT version_num FROM alembic_version")
        return value
    finally:
        await conn.close()


def test_revisions_run_from_base_to_head() -> None:
    revisions = migrate.revisions()
    assert revisions
    assert revisions[-1] == migrate.head()
    assert len(set(revisions)) == len(revisions)


async def test_every_revision_upgrades_downgrades_and_upgrades_again(admin_url: str) -> None:
    async with scratch_database(admin_url) as url:
        previous = "base"
        for revision in migrate.revisions():
            await asyncio.to_thread(migrate.upgrade, url, revision)
            assert await _current(url) == revision
            await asyncio.to_thread(migrate.downgrade, url, previous)
            assert await _current(url) == (None if previous == "base" else previous)
            await asyncio.to_thread(migrate.upgrade, url, revision)
            assert await _current(url) == revision
            previous = revision
        assert await _current(url) == migrate.head()


async def test_downgrading_to_base_removes_every_table(admin_url: str) -> None:
    async with scratch_database(admin_url, migrated=True) as url:
        assert set(metadata.tables) <= await _tables(url)
        await asyncio.to_thread(migrate.downgrade, url, "base")
        assert await _tables(url) == {"alembic_version"}


async def test_alembic_finds_no_difference_between_the_migrations_and_the_models(admin_url: str) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with scratch_database(admin_url, migrated=True) as url:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                assert await connection.run_sync(differences) == []
        finally:
            await engine.dispose()


async def test_the_migrated_schema_is_the_one_the_models_create(admin_url: str) -> None:
    """What alembic's compare does not see: collations, check constraints, index expressions."""
    async with scratch_database(admin_url, migrated=True) as migrated, scratch_database(admin_url) as modelled:
        engine = create_engine(modelled)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(metadata.create_all)
        finally:
            await engine.dispose()
        assert await _catalogue(migrated) == await _catalogue(modelled)


async def test_the_training_revision_holds_its_partial_and_nulls_not_distinct_rules(admin_url: str) -> None:
    async with scratch_database(admin_url) as url:
        await asyncio.to_thread(migrate.upgrade, url, "0003")
        indexes = {row[1]: row[2] for row in (await _catalogue(url))["indexes"]}
        await asyncio.to_thread(migrate.downgrade, url, "0002")
        left = {row[0] for row in (await _catalogue(url))["indexes"]}
    assert indexes["uq_requirements_department_id_competency_id_level"].endswith("NULLS NOT DISTINCT")
    assert indexes["uq_enrollments_employee_id_course_id_open"].endswith(
        "WHERE (status = ANY (ARRAY['planned'::text, 'in_progress'::text]))"
    )
    assert "USING gin (search_vector)" in indexes["ix_courses_search_vector"]
    assert "INCLUDE (level, expires_on)" in indexes["ix_assessments_employee_id_competency_id_latest"]
    assert left == {
        "departments",
        "competencies",
        "employees",
        "users",
        "auth_sessions",
        "refresh_tokens",
        "login_attempts",
    }


async def _upgrade_in_a_process(url: str) -> int:
    code = "import sys; from adapters.postgres.migrate import upgrade; upgrade(sys.argv[1])"
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", code, url)
    return await asyncio.wait_for(process.wait(), timeout=60)


async def test_replicas_upgrading_at_once_both_succeed(admin_url: str) -> None:
    """Several replicas starting together: the advisory lock makes the later one wait, then
    find the schema at head."""
    async with scratch_database(admin_url) as url:
        exit_codes = await asyncio.gather(_upgrade_in_a_process(url), _upgrade_in_a_process(url))
        assert list(exit_codes) == [0, 0]
        assert await _current(url) == migrate.head()


def test_the_revisions_read_without_alembic_are_alembics() -> None:
    """`migrate.revisions()` and `head()` read the scripts with `ast` (a serving worker does not
    import alembic): they must agree with alembic's own reading."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.config())
    assert migrate.revisions() == [script.revision for script in reversed(list(scripts.walk_revisions()))]
    assert migrate.head() == scripts.get_current_head()
