"""Repository port: ordering on every sortable field of every resource, both directions, ties
broken by id in the direction of the last key, strings compared by code point."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from tests.factories import BASE_TIME, competency, department, employee, persist, user
from upskill.domain.entity import Entity
from upskill.domain.policy import EVERYTHING
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.query import ListQuery, SortKey
from upskill.domain.resource import Resource
from upskill.domain.resources import COMPETENCIES, DEPARTMENTS, EMPLOYEES, USERS

# Code point order differs from any linguistic collation: "B" < "_" < "a" < "Ä".
NAMES = ["alpha", "Beta", "beta2", "Zeta", "_under", "Ärger", "Alpha Two"]
# Emails are stored lower case: "-" < "." < "2" < "@" < "_" < "a" by code point.
LOCAL_PARTS = ["alpha", "beta", "beta2", "zeta", "_under", "alpha.two", "alpha-two"]
TIES = [BASE_TIME, BASE_TIME, BASE_TIME.replace(hour=8), BASE_TIME.replace(hour=8, microsecond=1)]


def _records() -> dict[str, Sequence[Entity]]:
    """Departments, competencies, employees and users; timestamps, hire dates and names with ties."""
    departments = [
        department(name=name, created_at=TIES[i % 4], updated_at=TIES[(i + 1) % 4]) for i, name in enumerate(NAMES)
    ]
    competencies = [
        competency(name=name, created_at=TIES[i % 4], updated_at=TIES[i % 2]) for i, name in enumerate(NAMES)
    ]
    home = departments[0].id
    employees = [
        employee(
            department_id=home,
            full_name=NAMES[i % 3],
            email=f"{NAMES[i].replace(' ', '.')}@example.com",
            hired_on=date(2020, 1 + i % 2, 1),
            created_at=TIES[i % 4],
            updated_at=TIES[i % 3],
        )
        for i in range(len(NAMES))
    ]
    users = [
        user(email=f"{local}@example.com", created_at=TIES[i % 4], updated_at=TIES[(i + 2) % 4])
        for i, local in enumerate(LOCAL_PARTS)
    ]
    return {"departments": departments, "competencies": competencies, "employees": employees, "users": users}


CASES = [
    pytest.param(resource, key, id=f"{resource.collection}:{key}")
    for resource in (DEPARTMENTS, COMPETENCIES, EMPLOYEES, USERS)
    for field in sorted(resource.sortable)
    for key in (SortKey(field), SortKey(field, descending=True))
]


@pytest.mark.parametrize(("resource", "key"), CASES)
async def test_each_sortable_field_orders_both_ways(
    uow_factory: UnitOfWorkFactory, resource: Resource[Any], key: SortKey
) -> None:
    records = _records()
    await persist(uow_factory, *(record for records_of in records.values() for record in records_of))
    expected = sorted(records[resource.collection], key=lambda r: (getattr(r, key.field), r.id), reverse=key.descending)
    async with uow_factory() as uow:
        page = await uow.repository(resource.entity).page(ListQuery(sort=(key,), limit=200), EVERYTHING)
    assert [r.id for r in page.items] == [r.id for r in expected]


async def test_an_unsorted_validated_query_uses_the_default_sort(uow_factory: UnitOfWorkFactory) -> None:
    records = _records()
    await persist(uow_factory, *records["departments"])
    async with uow_factory() as uow:
        page = await uow.repository(DEPARTMENTS.entity).page(DEPARTMENTS.validate(ListQuery()), EVERYTHING)
    assert [d.name for d in page.items] == sorted(NAMES)
