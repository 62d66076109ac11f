"""CrudService: creating, reading, listing and the field rules of a write."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.factories import BASE_TIME
from upskill.domain.errors import Conflict, InvalidReference, InvariantViolation, NotFound
from upskill.domain.organisation import Department, Employee
from upskill.domain.principal import SYSTEM
from upskill.domain.query import ListQuery
from upskill.services.crud import CrudService


async def test_create_stores_version_one_stamped_now(departments: CrudService[Department]) -> None:
    created = await departments.create(SYSTEM, {"name": "Sales", "description": "Sells"})
    assert (created.name, created.description, created.version) == ("Sales", "Sells", 1)
    assert created.created_at == created.updated_at > BASE_TIME
    assert created.id.version == 7
    assert await departments.get(SYSTEM, created.id) == created


async def test_missing_required_fields_are_each_listed(employees: CrudService[Employee]) -> None:
    with pytest.raises(InvariantViolation) as caught:
        await employees.create(SYSTEM, {"job_title": "Engineer"})
    assert {(e.field, e.message) for e in caught.value.errors} == {
        ("department_id", "is required"),
        ("email", "is required"),
        ("full_name", "is required"),
        ("hired_on", "is required"),
    }
    assert (await employees.list(SYSTEM, ListQuery(with_total=True))).total == 0


async def test_read_only_and_unknown_fields_are_refused(departments: CrudService[Department]) -> None:
    with pytest.raises(InvariantViolation) as caught:
        await departments.create(SYSTEM, {"name": "Sales", "id": uuid4(), "version": 7, "colour": "red"})
    assert {(e.field, e.message) for e in caught.value.errors} == {
        ("id", "is read-only"),
        ("version", "is read-only"),
        ("colour", "is not a field of this resource"),
    }
    assert (await departments.list(SYSTEM, ListQuery(with_total=True))).total == 0


async def test_a_value_rule_of_the_entity_is_refused(departments: CrudService[Department]) -> None:
    with pytest.raises(InvariantViolation) as caught:
        await departments.create(SYSTEM, {"name": "   "})
    assert caught.value.field == "name"


async def test_a_duplicate_name_is_a_conflict(departments: CrudService[Department]) -> None:
    await departments.create(SYSTEM, {"name": "Sales"})
    with pytest.raises(Conflict) as caught:
        await departments.create(SYSTEM, {"name": "sales"})
    assert caught.value.field == "name"
    assert (await departments.list(SYSTEM, ListQuery(with_total=True))).total == 1


async def test_an_employee_in_a_missing_department_is_an_invalid_reference(employees: CrudService[Employee]) -> None:
    data = {"full_name": "Ada", "email": "ada@example.com", "department_id": uuid4(), "hired_on": BASE_TIME.date()}
    with pytest.raises(InvalidReference) as caught:
        await employees.create(SYSTEM, data)
    assert caught.value.field == "department_id"


async def test_get_of_a_missing_record_is_not_found(departments: CrudService[Department]) -> None:
    missing = uuid4()
    with pytest.raises(NotFound) as caught:
        await departments.get(SYSTEM, missing)
    assert (caught.value.entity, caught.value.id) == ("Department", missing)


async def test_list_uses_the_default_sort_and_pages(departments: CrudService[Department]) -> None:
    for name in ["c", "A", "b"]:
        await departments.create(SYSTEM, {"name": name})
    first = await departments.list(SYSTEM, ListQuery(limit=2, with_total=True))
    rest = await departments.list(SYSTEM, ListQuery(limit=2, cursor=first.next_cursor))
    assert [d.name for d in (*first.items, *rest.items)] == ["A", "b", "c"]
    assert (first.total, rest.next_cursor) == (3, None)
