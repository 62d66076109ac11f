"""What PostgreSQL refuses comes out of the repository as the core error it stands for,
decided by SQLSTATE and constraint name."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy import text

from adapters.postgres.database import Database
from adapters.postgres.errors import Action, Attempt, translated
from tests.factories import competency, department, employee, persist
from upskill.domain.entity import Entity
from upskill.domain.errors import (
    Conflict,
    InvalidQuery,
    InvalidReference,
    InvariantViolation,
    TransactionConflict,
    Unavailable,
)
from upskill.domain.organisation import Department, Employee
from upskill.domain.policy import EVERYTHING
from upskill.domain.query import Filter, ListQuery, Op

E = TypeVar("E", bound=Entity)


def forged(entity: E, **values: Any) -> E:
    """`entity` with `values` set behind its own checks: what only the database can refuse."""
    for name, value in values.items():
        object.__setattr__(entity, name, value)
    return entity


async def _add(db: Database, entity: Entity) -> None:
    async with db.unit_of_work() as uow:
        await uow.repository(type(entity)).add(entity)
        await uow.commit()


async def _raw(db: Database, *statements: str) -> None:
    async with db.unit_of_work() as uow:
        with translated(db.registry.constraints, Attempt(Action.WRITE)):
            for statement in statements:
                await (await uow.connection()).execute(text(statement))


async def test_a_name_differing_only_in_case_is_a_conflict_on_name(db: Database) -> None:
    await persist(db.unit_of_work, department(name="Sales"))
    with pytest.raises(Conflict) as caught:
        await _add(db, department(name="sALES"))
    assert (caught.value.entity, caught.value.field) == ("Department", "name")
    assert [e.field for e in caught.value.errors] == ["name"]
    assert caught.value.__cause__ is not None


async def test_case_folding_is_not_limited_to_ascii(db: Database) -> None:
    await persist(db.unit_of_work, competency(name="Éclairage"))
    with pytest.raises(Conflict) as caught:
        await _add(db, competency(name="éCLAIRAGE"))
    assert caught.value.field == "name"


async def test_an_email_taken_in_another_case_is_a_conflict_on_email(db: Database) -> None:
    dept = department()
    await persist(db.unit_of_work, dept, employee(department_id=dept.id, email="ada@example.com"))
    with pytest.raises(Conflict) as caught:
        await _add(db, employee(department_id=dept.id, email="ADA@example.com"))
    assert (caught.value.entity, caught.value.field) == ("Employee", "email")


async def test_an_id_added_twice_is_a_conflict_on_id(db: Database) -> None:
    sales = department()
    await persist(db.unit_of_work, sales)
    with pytest.raises(Conflict) as caught:
        await _add(db, department(id=sales.id))
    assert (caught.value.entity, caught.value.field) == ("Department", "id")


async def test_an_unknown_department_is_an_invalid_reference_on_department_id(db: Database) -> None:
    with pytest.raises(InvalidReference) as caught:
        await _add(db, employee(department_id=uuid4()))
    assert (caught.value.entity, caught.value.field) == ("Employee", "department_id")


async def test_an_unknown_manager_set_by_an_update_is_an_invalid_reference_on_manager_id(db: Database) -> None:
    dept = department()
    ada = employee(department_id=dept.id)
    await persist(db.unit_of_work, dept, ada)
    async with db.unit_of_work() as uow:
        with pytest.raises(InvalidReference) as caught:
            await uow.repository(Employee).update(ada.evolve(manager_id=uuid4(), version=2), expected_version=1)
    assert caught.value.field == "manager_id"


async def test_deleting_a_department_with_employees_is_a_conflict(db: Database) -> None:
    dept = department()
    await persist(db.unit_of_work, dept, employee(department_id=dept.id))
    async with db.unit_of_work() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.repository(Department).delete(dept.id)
    assert (caught.value.entity, caught.value.id) == ("Department", dept.id)
    async with db.unit_of_work() as uow:
        assert await uow.repository(Department).exists(dept.id)


async def test_deleting_a_manager_with_reports_is_a_conflict(db: Database) -> None:
    dept = department()
    boss = employee(department_id=dept.id)
    await persist(db.unit_of_work, dept, boss, employee(department_id=dept.id, manager_id=boss.id))
    async with db.unit_of_work() as uow:
        with pytest.raises(Conflict):
            await uow.repository(Employee).delete(boss.id, expected_version=1)


async def test_a_check_violation_through_the_repository_names_its_field(db: Database) -> None:
    dept = department()
    await persist(db.unit_of_work, dept)
    with pytest.raises(InvariantViolation) as caught:
        await _add(db, forged(employee(department_id=dept.id, hired_on=date(2024, 5, 1)), left_on=date(2024, 1, 1)))
    assert (caught.value.entity, caught.value.field) == ("Employee", "left_on")
    own = employee(department_id=dept.id)
    with pytest.raises(InvariantViolation) as caught:
        await _add(db, forged(own, manager_id=own.id))
    assert caught.value.field == "manager_id"


async def test_a_check_violation_by_raw_sql_names_its_field(db: Database) -> None:
    dept = department()
    await persist(db.unit_of_work, dept)
    with pytest.raises(InvariantViolation) as caught:
        await _raw(
            db,
            "INSERT INTO employees (id, version, created_at, updated_at, full_name, email, department_id, "
            f"hired_on, left_on) VALUES (gen_random_uuid(), 1, now(), now(), 'A', 'a@b.c', '{dept.id}', "
            "'2024-05-01', '2024-01-01')",
        )
    assert (caught.value.entity, caught.value.field) == ("Employee", "left_on")


async def test_a_missing_required_value_names_its_column(db: Database) -> None:
    with pytest.raises(InvariantViolation) as caught:
        await _raw(
            db,
            "INSERT INTO departments (id, version, created_at, updated_at) VALUES (gen_random_uuid(), 1, now(), now())",
        )
    assert (caught.value.entity, caught.value.field) == ("Department", "name")


async def test_a_nul_character_is_an_invariant_violation(db: Database) -> None:
    with pytest.raises(InvariantViolation):
        await _add(db, forged(department(), description="a\x00b"))


async def test_an_out_of_range_number_is_an_invariant_violation(db: Database) -> None:
    with pytest.raises(InvariantViolation):
        await _add(db, forged(department(), version=2**40))
    async with db.unit_of_work() as uow:
        assert await uow.repository(Department).count() == 0


async def test_a_filter_value_of_the_wrong_type_is_an_invalid_query(db: Database) -> None:
    query = ListQuery(filters=(Filter("hired_on", Op.GTE, "yesterday"),), sort=())
    async with db.unit_of_work() as uow:
        with pytest.raises(InvalidQuery):
            await uow.repository(Employee).page(query, EVERYTHING)


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
async def test_serialization_failures_and_deadlocks_are_transaction_conflicts(db: Database, sqlstate: str) -> None:
    with pytest.raises(TransactionConflict):
        await _raw(db, f"DO $$ BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = '{sqlstate}'; END $$")


async def test_a_statement_timeout_is_unavailable(db: Database) -> None:
    with pytest.raises(Unavailable):
        await _raw(db, "SET LOCAL statement_timeout = 50", "SELECT pg_sleep(2)")


async def test_an_error_the_core_does_not_know_is_left_alone(db: Database) -> None:
    with pytest.raises(asyncpg.UndefinedTableError):
        await _raw(db, "SELECT * FROM no_such_table")
