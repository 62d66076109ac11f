"""Repository port: reading, adding, updating and deleting, versions included."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from tests.factories import department, employee, persist
from upskill.domain.errors import Conflict, NotFound, StaleVersion
from upskill.domain.organisation import Department, Employee
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.query import Filter, Op


async def test_an_added_record_is_readable_before_and_after_commit(uow_factory: UnitOfWorkFactory) -> None:
    sales = department(name="Sales", description="Sells")
    async with uow_factory() as uow:
        repo = uow.repository(Department)
        assert await repo.add(sales) == sales
        assert await repo.get(sales.id) == sales
        await uow.commit()
    async with uow_factory() as uow:
        repo = uow.repository(Department)
        assert await repo.get(sales.id) == sales
        assert await repo.find(sales.id) == sales
        assert await repo.exists(sales.id)


async def test_a_deferred_add_is_stored_by_the_commit(uow_factory: UnitOfWorkFactory) -> None:
    sales = department(name="Sales")
    async with uow_factory() as uow:
        assert await uow.repository(Department).add(sales, deferred=True) == sales
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(Department).find(sales.id) == sales


async def test_a_deferred_add_is_read_back_in_its_unit_of_work_and_rolled_back_with_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    sales = department(name="Sales")
    async with uow_factory() as uow:
        repo = uow.repository(Department)
        await repo.add(sales, deferred=True)
        assert await repo.find(sales.id) == sales  # the held write goes first
        await uow.rollback()
    async with uow_factory() as uow:
        assert await uow.repository(Department).find(sales.id) is None


async def test_a_deferred_add_the_store_refuses_raises_by_the_commit(uow_factory: UnitOfWorkFactory) -> None:
    await persist(uow_factory, department(name="Taken"))
    twin = department(name="TAKEN")

    async def add_twin() -> None:
        async with uow_factory() as uow:
            await uow.repository(Department).add(twin, deferred=True)
            await uow.commit()

    with pytest.raises(Conflict):
        await add_twin()
    async with uow_factory() as uow:
        assert await uow.repository(Department).find(twin.id) is None


async def test_every_field_survives_the_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    dept = department()
    boss = employee(department_id=dept.id)
    worker = employee(
        department_id=dept.id,
        full_name="Zoë O'Brien-Łukasiewicz",
        email="Zoe.OBrien@Example.com",
        job_title="Engineer",
        manager_id=boss.id,
        hired_on=date(2021, 2, 28),
        left_on=date(2023, 12, 31),
    )
    await persist(uow_factory, dept, boss, worker)
    async with uow_factory() as uow:
        assert await uow.repository(Employee).get(worker.id) == worker


async def test_a_missing_record_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    missing = uuid4()
    async with uow_factory() as uow:
        repo = uow.repository(Department)
        assert await repo.find(missing) is None
        assert not await repo.exists(missing)
        with pytest.raises(NotFound) as caught:
            await repo.get(missing)
    assert (caught.value.entity, caught.value.id) == ("Department", missing)


async def test_count_counts_the_records_matching_the_filters(uow_factory: UnitOfWorkFactory) -> None:
    await persist(uow_factory, department(name="Ops"), department(name="DevOps"), department(name="Sales"))
    async with uow_factory() as uow:
        repo = uow.repository(Department)
        assert await repo.count() == 3
        assert await repo.count([Filter("name", Op.CONTAINS, "OPS")]) == 2
        assert await repo.count([Filter("name", Op.CONTAINS, "ops"), Filter("name", Op.EQ, "Ops")]) == 1


async def test_an_update_at_the_expected_version_stores_the_new_snapshot(uow_factory: UnitOfWorkFactory) -> None:
    original = department(name="Sales")
    await persist(uow_factory, original)
    changed = original.evolve(name="Sales EMEA", version=2, updated_at=original.updated_at + timedelta(minutes=1))
    async with uow_factory() as uow:
        assert await uow.repository(Department).update(changed, expected_version=1) == changed
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(Department).get(original.id) == changed


async def test_an_update_at_a_stale_version_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    original = department(name="Sales")
    await persist(uow_factory, original)
    async with uow_factory() as uow:
        with pytest.raises(StaleVersion) as caught:
            await uow.repository(Department).update(original.evolve(name="Other", version=4), expected_version=3)
    assert (caught.value.entity, caught.value.id) == ("Department", original.id)
    async with uow_factory() as uow:
        assert await uow.repository(Department).get(original.id) == original


async def test_an_update_of_a_missing_record_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    ghost = department()
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.repository(Department).update(ghost.evolve(version=2), expected_version=1)
    async with uow_factory() as uow:
        assert not await uow.repository(Department).exists(ghost.id)


@pytest.mark.parametrize("expected_version", [None, 1])
async def test_a_delete_removes_the_record(uow_factory: UnitOfWorkFactory, expected_version: int | None) -> None:
    doomed, kept = department(), department()
    await persist(uow_factory, doomed, kept)
    async with uow_factory() as uow:
        await uow.repository(Department).delete(doomed.id, expected_version=expected_version)
        assert not await uow.repository(Department).exists(doomed.id)
        await uow.commit()
    async with uow_factory() as uow:
        repo = uow.repository(Department)
        assert not await repo.exists(doomed.id)
        assert await repo.get(kept.id) == kept


async def test_a_delete_at_a_stale_version_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    kept = department()
    await persist(uow_factory, kept)
    async with uow_factory() as uow:
        with pytest.raises(StaleVersion):
            await uow.repository(Department).delete(kept.id, expected_version=2)
    async with uow_factory() as uow:
        assert await uow.repository(Department).get(kept.id) == kept


async def test_a_delete_of_a_missing_record_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    missing = uuid4()
    async with uow_factory() as uow:
        with pytest.raises(NotFound) as caught:
            await uow.repository(Department).delete(missing)
    assert caught.value.id == missing
