"""Repository port: what the store refuses — duplicates, dangling references, deleting a
referenced record."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.factories import competency, department, employee, persist, user
from upskill.domain.competency import Competency
from upskill.domain.errors import Conflict, InvalidReference
from upskill.domain.organisation import Department, Employee
from upskill.domain.ports import UnitOfWorkFactory


async def test_a_committed_name_is_taken_whatever_its_case(uow_factory: UnitOfWorkFactory) -> None:
    await persist(uow_factory, department(name="Sales"))
    async with uow_factory() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.repository(Department).add(department(name="sALES"))
    assert (caught.value.entity, caught.value.field) == ("Department", "name")
    async with uow_factory() as uow:
        assert await uow.repository(Department).count() == 1


async def test_a_name_staged_in_the_same_unit_of_work_is_taken(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.repository(Competency).add(competency(name="Python"))
        with pytest.raises(Conflict) as caught:
            await uow.repository(Competency).add(competency(name="PYTHON"))
    assert caught.value.field == "name"


async def test_renaming_to_a_taken_name_conflicts(uow_factory: UnitOfWorkFactory) -> None:
    sales, ops = department(name="Sales"), department(name="Ops")
    await persist(uow_factory, sales, ops)
    async with uow_factory() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.repository(Department).update(ops.evolve(name="SALES", version=2), expected_version=1)
    assert caught.value.field == "name"
    async with uow_factory() as uow:
        assert await uow.repository(Department).get(ops.id) == ops


async def test_changing_only_the_case_of_ones_own_name_is_allowed(uow_factory: UnitOfWorkFactory) -> None:
    sales = department(name="Sales")
    await persist(uow_factory, sales)
    async with uow_factory() as uow:
        await uow.repository(Department).update(sales.evolve(name="SALES", version=2), expected_version=1)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.repository(Department).get(sales.id)).name == "SALES"


async def test_emails_are_unique_whatever_their_case(uow_factory: UnitOfWorkFactory) -> None:
    dept = department()
    await persist(uow_factory, dept, employee(department_id=dept.id, email="ada@example.com"))
    async with uow_factory() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.repository(Employee).add(employee(department_id=dept.id, email="Ada@Example.COM"))
    assert (caught.value.entity, caught.value.field) == ("Employee", "email")


async def test_an_id_cannot_be_added_twice(uow_factory: UnitOfWorkFactory) -> None:
    first = department()
    await persist(uow_factory, first)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(Department).add(department(id=first.id))


@pytest.mark.parametrize("field", ["department_id", "manager_id"])
async def test_adding_a_reference_to_a_missing_record_is_refused(uow_factory: UnitOfWorkFactory, field: str) -> None:
    dept = department()
    await persist(uow_factory, dept)
    dangling = employee(department_id=dept.id).evolve(**{field: uuid4()})
    async with uow_factory() as uow:
        with pytest.raises(InvalidReference) as caught:
            await uow.repository(Employee).add(dangling)
    assert (caught.value.entity, caught.value.field) == ("Employee", field)
    async with uow_factory() as uow:
        assert not await uow.repository(Employee).exists(dangling.id)


async def test_updating_a_reference_to_a_missing_record_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    dept = department()
    worker = employee(department_id=dept.id)
    await persist(uow_factory, dept, worker)
    async with uow_factory() as uow:
        with pytest.raises(InvalidReference) as caught:
            await uow.repository(Employee).update(worker.evolve(department_id=uuid4(), version=2), expected_version=1)
    assert caught.value.field == "department_id"


async def test_a_reference_to_a_record_staged_in_the_same_unit_of_work_is_valid(
    uow_factory: UnitOfWorkFactory,
) -> None:
    dept = department()
    boss = employee(department_id=dept.id)
    worker = employee(department_id=dept.id, manager_id=boss.id)
    await persist(uow_factory, dept, boss, worker)
    async with uow_factory() as uow:
        assert await uow.repository(Employee).get(worker.id) == worker


async def test_a_referenced_department_cannot_be_deleted(uow_factory: UnitOfWorkFactory) -> None:
    dept = department()
    await persist(uow_factory, dept, employee(department_id=dept.id))
    async with uow_factory() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.repository(Department).delete(dept.id)
    assert (caught.value.entity, caught.value.id) == ("Department", dept.id)
    async with uow_factory() as uow:
        assert await uow.repository(Department).exists(dept.id)


async def test_a_manager_cannot_be_deleted_while_managing(uow_factory: UnitOfWorkFactory) -> None:
    dept = department()
    boss = employee(department_id=dept.id)
    worker = employee(department_id=dept.id, manager_id=boss.id)
    await persist(uow_factory, dept, boss, worker)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(Employee).delete(boss.id)
    async with uow_factory() as uow:
        repo = uow.repository(Employee)
        await repo.delete(worker.id)
        await repo.delete(boss.id)
        await uow.repository(Department).delete(dept.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(Employee).count() == 0
        assert await uow.repository(Department).count() == 0


async def test_a_users_email_is_unique(uow_factory: UnitOfWorkFactory) -> None:
    await persist(uow_factory, user(email="ada@example.com"))
    with pytest.raises(Conflict) as caught:
        await persist(uow_factory, user(email="ada@example.com"))
    assert (caught.value.entity, caught.value.field) == ("User", "email")


async def test_a_user_must_link_an_existing_employee(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(InvalidReference) as caught:
        await persist(uow_factory, user(employee_id=uuid4()))
    assert (caught.value.entity, caught.value.field) == ("User", "employee_id")


async def test_an_employee_linked_to_a_user_cannot_be_deleted(uow_factory: UnitOfWorkFactory) -> None:
    dept = department()
    staff = employee(department_id=dept.id)
    await persist(uow_factory, dept, staff, user(employee_id=staff.id))

    async def delete() -> None:
        async with uow_factory() as uow:
            await uow.repository(Employee).delete(staff.id)
            await uow.commit()

    with pytest.raises(Conflict):
        await delete()
    async with uow_factory() as uow:
        assert await uow.repository(Employee).exists(staff.id)
