"""Core statements run straight on asyncpg (`adapters.postgres.executor`) and the unit of
work's transactions: compiled forms are cached without mixing up the values of statements
built per call, inserts write the columns given, and a read-only unit of work runs a lone read
outside any transaction but several reads in one read-only snapshot."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import insert, select

from adapters.postgres.database import Database
from adapters.postgres.tables import departments
from tests.factories import competency, course, department, persist
from upskill.domain.competency import Level
from upskill.domain.organisation import Department
from upskill.domain.training import Course


async def _names(db: Database, name: str) -> list[str]:
    statement = select(departments.c.name).where(departments.c.name == name)  # a new statement each call
    async with db.unit_of_work().for_reading() as uow:
        return [row.name for row in await (await uow.connection()).execute(statement)]


async def test_statements_built_per_call_each_bind_their_own_values(db: Database) -> None:
    await persist(db.unit_of_work, department(name="Sales"), department(name="Support"))

    assert await _names(db, "Sales") == ["Sales"]
    assert await _names(db, "Support") == ["Support"]  # same shape, cached form, other value
    assert await _names(db, "Legal") == []


async def test_an_insert_writes_the_columns_it_is_given(db: Database) -> None:
    with_parent, alone = department(name="Parent"), department(name="Child")
    rows = [
        {"id": d.id, "version": 1, "created_at": d.created_at, "updated_at": d.updated_at, "name": d.name}
        for d in (with_parent, alone)
    ]
    async with db.unit_of_work() as uow:
        connection = await uow.connection(write=True)
        first = await connection.execute(insert(departments), rows[0])
        second = await connection.execute(insert(departments), {**rows[1], "description": "described"})
        await uow.commit()
    assert (first.rowcount, second.rowcount) == (1, 1)
    async with db.unit_of_work() as uow:
        child = await uow.repository(Department).get(alone.id)
        parent = await uow.repository(Department).get(with_parent.id)
    assert (parent.description, child.description) == (None, "described")


async def test_a_lone_read_runs_outside_a_transaction_and_writing_is_refused(db: Database) -> None:
    sales = department(name="Sales")
    await persist(db.unit_of_work, sales)
    async with db.unit_of_work().for_reading() as uow:
        assert await uow.repository(Department).get(sales.id) == sales
        connection = await uow.connection()
        assert not connection.connection.is_in_transaction()
        with pytest.raises(RuntimeError, match="read-only"):
            await uow.repository(Department).add(department(name="Legal"))


async def test_a_read_of_several_statements_runs_in_one_read_only_snapshot(db: Database) -> None:
    sql = competency(name="SQL")
    taught = course((sql.id, Level.ADVANCED))
    await persist(db.unit_of_work, sql, taught)
    async with db.unit_of_work().for_reading() as uow:
        assert await uow.repository(Course).get(taught.id) == taught  # the course, then its covers
        connection = await uow.connection()
        assert connection.connection.is_in_transaction()
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await connection.connection.execute("DELETE FROM course_covers")
    async with db.unit_of_work() as uow:
        assert await uow.repository(Course).get(taught.id) == taught


async def test_a_writing_unit_of_work_left_without_commit_keeps_nothing(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.repository(Department).add(department(name="Ghost"))
    assert await _names(db, "Ghost") == []
