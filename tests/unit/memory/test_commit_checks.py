"""The memory unit of work re-checks its writes at commit: of two interleaved units of work,
the one committing second loses, as in a database, and publishes nothing."""

from __future__ import annotations

from uuid import uuid4

import pytest

from adapters.memory import MemoryStore
from tests.factories import department, employee, persist
from upskill.domain.errors import Conflict, InvalidReference, NotFound, StaleVersion
from upskill.domain.organisation import Department, Employee
from upskill.domain.policy import EVERYTHING
from upskill.domain.query import ListQuery, SortKey


async def _departments(store: MemoryStore) -> list[Department]:
    async with store.unit_of_work() as uow:
        page = await uow.repository(Department).page(ListQuery(sort=(SortKey("name"),), limit=200), EVERYTHING)
    return list(page.items)


async def test_a_name_committed_meanwhile_is_a_conflict(memory_store: MemoryStore) -> None:
    bystander = department(name="Bystander")
    async with memory_store.unit_of_work() as late:
        await late.repository(Department).add(department(name="Sales"))
        await late.repository(Department).add(bystander)
        await persist(memory_store.unit_of_work, department(name="SALES"))
        with pytest.raises(Conflict) as caught:
            await late.commit()
    assert caught.value.field == "name"
    assert [d.name for d in await _departments(memory_store)] == ["SALES"]


async def test_a_record_changed_meanwhile_is_stale(memory_store: MemoryStore) -> None:
    original = department(name="Sales")
    await persist(memory_store.unit_of_work, original)
    async with memory_store.unit_of_work() as late:
        await late.repository(Department).update(original.evolve(name="Late", version=2), expected_version=1)
        async with memory_store.unit_of_work() as early:
            await early.repository(Department).update(original.evolve(name="Early", version=2), expected_version=1)
            await early.commit()
        with pytest.raises(StaleVersion):
            await late.commit()
    assert [d.name for d in await _departments(memory_store)] == ["Early"]


async def test_a_record_removed_meanwhile_is_not_found(memory_store: MemoryStore) -> None:
    original = department(name="Sales")
    await persist(memory_store.unit_of_work, original)
    async with memory_store.unit_of_work() as late:
        await late.repository(Department).update(original.evolve(name="Late", version=2), expected_version=1)
        async with memory_store.unit_of_work() as early:
            await early.repository(Department).delete(original.id)
            await early.commit()
        with pytest.raises(NotFound):
            await late.commit()
    assert await _departments(memory_store) == []


async def test_a_reference_removed_meanwhile_is_invalid(memory_store: MemoryStore) -> None:
    dept = department()
    await persist(memory_store.unit_of_work, dept)
    async with memory_store.unit_of_work() as late:
        await late.repository(Employee).add(employee(department_id=dept.id))
        async with memory_store.unit_of_work() as early:
            await early.repository(Department).delete(dept.id)
            await early.commit()
        with pytest.raises(InvalidReference) as caught:
            await late.commit()
    assert caught.value.field == "department_id"
    assert memory_store.table(Employee) == {}


async def test_a_reference_made_meanwhile_blocks_a_delete(memory_store: MemoryStore) -> None:
    dept = department()
    await persist(memory_store.unit_of_work, dept)
    async with memory_store.unit_of_work() as late:
        await late.repository(Department).delete(dept.id)
        await persist(memory_store.unit_of_work, employee(department_id=dept.id))
        with pytest.raises(Conflict):
            await late.commit()
    assert await _departments(memory_store) == [dept]


async def test_an_id_taken_meanwhile_is_a_conflict(memory_store: MemoryStore) -> None:
    id = uuid4()
    async with memory_store.unit_of_work() as late:
        await late.repository(Department).add(department(id=id, name="Late"))
        await persist(memory_store.unit_of_work, department(id=id, name="Early"))
        with pytest.raises(Conflict) as caught:
            await late.commit()
    assert caught.value.field == "id"
    assert [d.name for d in await _departments(memory_store)] == ["Early"]


async def test_a_record_added_and_removed_in_one_unit_of_work_leaves_no_trace(memory_store: MemoryStore) -> None:
    passing = department(name="Passing")
    async with memory_store.unit_of_work() as uow:
        await uow.repository(Department).add(passing)
        await uow.repository(Department).delete(passing.id)
        await uow.commit()
    assert await _departments(memory_store) == []


async def test_a_unit_of_work_is_usable_after_a_failed_commit(memory_store: MemoryStore) -> None:
    await persist(memory_store.unit_of_work, department(name="Sales"))
    async with memory_store.unit_of_work() as uow:
        await uow.repository(Department).add(department(name="Ops"))
        await persist(memory_store.unit_of_work, department(name="ops"))
        with pytest.raises(Conflict):
            await uow.commit()
        await uow.repository(Department).add(department(name="Support"))
        await uow.commit()
    assert [d.name for d in await _departments(memory_store)] == ["Sales", "Support", "ops"]
