"""Repository port: keyset pagination — walking every page, cursor binding and tampering."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.factories import BASE_TIME, department, employee, persist
from upskill.domain.entity import Entity
from upskill.domain.errors import InvalidQuery
from upskill.domain.organisation import Department, Employee
from upskill.domain.policy import EVERYTHING
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.query import Filter, ListQuery, Op, SortKey


async def _walk(uow_factory: UnitOfWorkFactory, entity: type[Entity], query: ListQuery) -> list[list[Any]]:
    """Every page of `query`, following next_cursor; checks the totals on the way."""
    pages: list[list[Any]] = []
    totals: set[int | None] = set()
    cursor: str | None = None
    while True:
        async with uow_factory() as uow:
            page = await uow.repository(entity).page(
                ListQuery(query.filters, query.sort, query.limit, cursor, with_total=True), EVERYTHING
            )
        pages.append(list(page.items))
        totals.add(page.total)
        if page.next_cursor is None:
            break
        assert len(page.items) == query.limit
        cursor = page.next_cursor
    assert totals == {sum(len(p) for p in pages)}
    return pages


async def _staff(uow_factory: UnitOfWorkFactory) -> tuple[Department, list[Employee]]:
    """One department with 11 employees whose hire dates and names tie in every way."""
    dept = department()
    people = [
        employee(department_id=dept.id, full_name=["Ann", "bob", "Cid"][i % 3], hired_on=date(2020 + i % 4, 1, 1))
        for i in range(11)
    ]
    await persist(uow_factory, dept, *people)
    return dept, people


async def test_a_walk_with_mixed_directions_yields_the_full_ordering_once(uow_factory: UnitOfWorkFactory) -> None:
    _, people = await _staff(uow_factory)
    query = ListQuery(sort=(SortKey("hired_on", descending=True), SortKey("full_name")), limit=3)
    by_name_then_id = sorted(people, key=lambda e: (e.full_name, e.id))
    expected = sorted(by_name_then_id, key=lambda e: e.hired_on, reverse=True)  # stable: ties keep name, id order
    pages = await _walk(uow_factory, Employee, query)
    assert [len(p) for p in pages] == [3, 3, 3, 2]
    assert [e.id for page in pages for e in page] == [e.id for e in expected]


async def test_a_descending_walk_breaks_ties_by_descending_id(uow_factory: UnitOfWorkFactory) -> None:
    stamps = [BASE_TIME, BASE_TIME.replace(hour=10)]
    depts = [department(created_at=stamps[i % 2]) for i in range(7)]
    await persist(uow_factory, *depts)
    expected = sorted(depts, key=lambda d: (d.created_at, d.id), reverse=True)
    pages = await _walk(uow_factory, Department, ListQuery(sort=(SortKey("created_at", descending=True),), limit=2))
    assert [d.id for page in pages for d in page] == [d.id for d in expected]


async def test_a_walk_keeps_its_filters(uow_factory: UnitOfWorkFactory) -> None:
    _, people = await _staff(uow_factory)
    query = ListQuery(filters=(Filter("full_name", Op.IN, ("Ann", "Cid")),), sort=(SortKey("hired_on"),), limit=2)
    expected = sorted((e for e in people if e.full_name != "bob"), key=lambda e: (e.hired_on, e.id))
    pages = await _walk(uow_factory, Employee, query)
    assert [e.id for page in pages for e in page] == [e.id for e in expected]


async def test_the_last_full_page_has_no_next_cursor(uow_factory: UnitOfWorkFactory) -> None:
    await persist(uow_factory, *(department() for _ in range(6)))
    pages = await _walk(uow_factory, Department, ListQuery(sort=(SortKey("name"),), limit=3))
    assert [len(p) for p in pages] == [3, 3]


async def test_a_cursor_continues_with_another_limit(uow_factory: UnitOfWorkFactory) -> None:
    depts = [department(name=f"D{i}") for i in range(5)]
    await persist(uow_factory, *depts)
    async with uow_factory() as uow:
        repo = uow.repository(Department)
        first = await repo.page(ListQuery(sort=(SortKey("name"),), limit=2), EVERYTHING)
        rest = await repo.page(ListQuery(sort=(SortKey("name"),), limit=10, cursor=first.next_cursor), EVERYTHING)
    assert [d.name for d in rest.items] == ["D2", "D3", "D4"]
    assert rest.next_cursor is None


async def _first_cursor(uow_factory: UnitOfWorkFactory, query: ListQuery) -> str:
    await persist(uow_factory, *(department(name=f"D{i}") for i in range(3)))
    async with uow_factory() as uow:
        cursor = (await uow.repository(Department).page(query, EVERYTHING)).next_cursor
    assert cursor is not None
    return cursor


def _tamper(cursor: str) -> str:
    body, mac = cursor.split(".")
    return f"{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{mac}"


@pytest.mark.parametrize("bad", [_tamper, lambda c: c[:-1], lambda c: "not-a-cursor", lambda c: c + "x"])
async def test_a_tampered_cursor_is_an_invalid_query(uow_factory: UnitOfWorkFactory, bad: Any) -> None:
    query = ListQuery(sort=(SortKey("name"),), limit=1)
    cursor = await _first_cursor(uow_factory, query)
    async with uow_factory() as uow:
        with pytest.raises(InvalidQuery) as caught:
            await uow.repository(Department).page(ListQuery(query.filters, query.sort, 1, bad(cursor)), EVERYTHING)
    assert caught.value.field == "cursor"


@pytest.mark.parametrize(
    "other",
    [
        ListQuery(sort=(SortKey("name", descending=True),), limit=1),
        ListQuery(sort=(SortKey("created_at"),), limit=1),
        ListQuery(filters=(Filter("name", Op.CONTAINS, "D"),), sort=(SortKey("name"),), limit=1),
    ],
    ids=["direction", "field", "filters"],
)
async def test_a_cursor_of_another_query_is_an_invalid_query(uow_factory: UnitOfWorkFactory, other: ListQuery) -> None:
    cursor = await _first_cursor(uow_factory, ListQuery(sort=(SortKey("name"),), limit=1))
    async with uow_factory() as uow:
        with pytest.raises(InvalidQuery):
            await uow.repository(Department).page(ListQuery(other.filters, other.sort, 1, cursor), EVERYTHING)
