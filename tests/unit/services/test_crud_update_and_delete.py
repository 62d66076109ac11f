"""CrudService: merge patches, replacement, deletion, versions, and the employee's own rules."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from upskill.domain.errors import Conflict, InvariantViolation, NotFound, StaleVersion
from upskill.domain.organisation import Department, Employee
from upskill.domain.principal import SYSTEM
from upskill.services.crud import CrudService


async def _ada(departments: CrudService[Department], employees: CrudService[Employee]) -> Employee:
    dept = await departments.create(SYSTEM, {"name": "Engineering"})
    data = {"full_name": "Ada", "email": "ada@example.com", "department_id": dept.id, "hired_on": date(2020, 1, 1)}
    return await employees.create(SYSTEM, data)


async def test_a_patch_merges_and_moves_version_and_updated_at(departments: CrudService[Department]) -> None:
    before = await departments.create(SYSTEM, {"name": "Sales", "description": "Sells"})
    after = await departments.update(SYSTEM, before.id, {"description": "Sells more"})
    assert (after.name, after.description, after.version) == ("Sales", "Sells more", 2)
    assert after.updated_at > before.updated_at
    assert after.created_at == before.created_at
    assert await departments.get(SYSTEM, before.id) == after


async def test_a_patch_with_null_clears_an_optional_field(departments: CrudService[Department]) -> None:
    before = await departments.create(SYSTEM, {"name": "Sales", "description": "Sells"})
    await departments.update(SYSTEM, before.id, {"description": None})
    assert (await departments.get(SYSTEM, before.id)).description is None


async def test_a_patch_cannot_null_a_required_field(departments: CrudService[Department]) -> None:
    before = await departments.create(SYSTEM, {"name": "Sales"})
    with pytest.raises(InvariantViolation) as caught:
        await departments.update(SYSTEM, before.id, {"name": None})
    assert (caught.value.field, caught.value.errors[0].message) == ("name", "cannot be null")
    assert await departments.get(SYSTEM, before.id) == before


async def test_a_patch_that_changes_nothing_keeps_the_version(departments: CrudService[Department]) -> None:
    before = await departments.create(SYSTEM, {"name": "Sales", "description": "Sells"})
    assert await departments.update(SYSTEM, before.id, {"name": "Sales"}) == before
    assert await departments.get(SYSTEM, before.id) == before


async def test_a_replacement_clears_the_omitted_optional_fields(departments: CrudService[Department]) -> None:
    before = await departments.create(SYSTEM, {"name": "Sales", "description": "Sells"})
    after = await departments.update(SYSTEM, before.id, {"name": "Revenue"}, replace=True)
    assert (after.name, after.description, after.version) == ("Revenue", None, 2)
    assert await departments.get(SYSTEM, before.id) == after


async def test_a_replacement_needs_every_required_field(departments: CrudService[Department]) -> None:
    before = await departments.create(SYSTEM, {"name": "Sales", "description": "Sells"})
    with pytest.raises(InvariantViolation) as caught:
        await departments.update(SYSTEM, before.id, {"description": "x"}, replace=True)
    assert caught.value.field == "name"
    assert await departments.get(SYSTEM, before.id) == before


async def test_an_update_of_a_missing_record_is_not_found(departments: CrudService[Department]) -> None:
    with pytest.raises(NotFound):
        await departments.update(SYSTEM, uuid4(), {"name": "x"})


async def test_a_stale_expected_version_changes_nothing(departments: CrudService[Department]) -> None:
    before = await departments.create(SYSTEM, {"name": "Sales"})
    current = await departments.update(SYSTEM, before.id, {"name": "Revenue"}, expected_version=1)
    with pytest.raises(StaleVersion):
        await departments.update(SYSTEM, before.id, {"name": "Other"}, expected_version=1)
    with pytest.raises(StaleVersion):
        await departments.delete(SYSTEM, before.id, expected_version=1)
    assert await departments.get(SYSTEM, before.id) == current


async def test_delete_removes_the_record(departments: CrudService[Department]) -> None:
    doomed = await departments.create(SYSTEM, {"name": "Sales"})
    await departments.delete(SYSTEM, doomed.id, expected_version=1)
    with pytest.raises(NotFound):
        await departments.get(SYSTEM, doomed.id)
    with pytest.raises(NotFound):
        await departments.delete(SYSTEM, doomed.id)


async def test_a_department_with_employees_cannot_be_deleted(
    departments: CrudService[Department], employees: CrudService[Employee]
) -> None:
    ada = await _ada(departments, employees)
    with pytest.raises(Conflict):
        await departments.delete(SYSTEM, ada.department_id)
    assert (await departments.get(SYSTEM, ada.department_id)).version == 1


async def test_an_employee_cannot_manage_themselves(
    departments: CrudService[Department], employees: CrudService[Employee]
) -> None:
    ada = await _ada(departments, employees)
    with pytest.raises(InvariantViolation) as caught:
        await employees.update(SYSTEM, ada.id, {"manager_id": ada.id})
    assert caught.value.field == "manager_id"
    assert await employees.get(SYSTEM, ada.id) == ada


async def test_an_employee_cannot_leave_before_being_hired(
    departments: CrudService[Department], employees: CrudService[Employee]
) -> None:
    ada = await _ada(departments, employees)
    with pytest.raises(InvariantViolation) as caught:
        await employees.update(SYSTEM, ada.id, {"left_on": date(2019, 12, 31)})
    assert caught.value.field == "left_on"
    left = await employees.update(SYSTEM, ada.id, {"left_on": date(2020, 1, 1)})
    assert (left.left_on, left.version) == (date(2020, 1, 1), 2)


async def test_a_new_employee_cannot_leave_before_being_hired(
    departments: CrudService[Department], employees: CrudService[Employee]
) -> None:
    dept = await departments.create(SYSTEM, {"name": "Engineering"})
    data = {"full_name": "Bo", "email": "bo@example.com", "department_id": dept.id}
    with pytest.raises(InvariantViolation) as caught:
        await employees.create(SYSTEM, {**data, "hired_on": date(2021, 1, 1), "left_on": date(2020, 1, 1)})
    assert caught.value.field == "left_on"
