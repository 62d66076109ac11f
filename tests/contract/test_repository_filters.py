"""Repository port: every filter operator, alone and together, and the policy scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from tests.factories import BASE_TIME, competency, department, employee, persist
from upskill.domain.competency import Competency
from upskill.domain.organisation import Department, Employee
from upskill.domain.policy import EVERYTHING, NOTHING, Scope
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.query import Filter, ListQuery, Op, SortKey


@dataclass(frozen=True)
class Staff:
    """Two departments and five employees with known values."""

    eng: Department
    ops: Department
    ada: Employee
    alan: Employee
    grace: Employee
    linus: Employee
    barbara: Employee


@pytest.fixture
async def staff(uow_factory: UnitOfWorkFactory) -> Staff:
    eng, ops = department(name="Engineering"), department(name="Operations")
    ada = employee(department_id=eng.id, full_name="Ada Lovelace", job_title="Analyst", hired_on=date(2020, 1, 1))
    alan = employee(department_id=eng.id, full_name="Alan Turing", job_title=None, hired_on=date(2021, 6, 1))
    grace = employee(
        department_id=ops.id,
        full_name="Grace Hopper",
        job_title="100%_sure",
        manager_id=ada.id,
        hired_on=date(2022, 1, 1),
    )
    linus = employee(department_id=ops.id, full_name="Linus", job_title="100 sure", hired_on=date(2023, 3, 3))
    barbara = employee(
        department_id=eng.id,
        full_name="Barbara Liskov",
        job_title="ANALYST",
        manager_id=ada.id,
        hired_on=date(2021, 6, 1),
    )
    await persist(uow_factory, eng, ops, ada, alan, grace, linus, barbara)
    return Staff(eng, ops, ada, alan, grace, linus, barbara)


async def _ids(
    uow_factory: UnitOfWorkFactory, *filters: Filter, scope: Scope = EVERYTHING, with_total: bool = False
) -> set[UUID]:
    query = ListQuery(filters=filters, sort=(SortKey("full_name"),), limit=200, with_total=with_total)
    async with uow_factory() as uow:
        page = await uow.repository(Employee).page(query, scope)
    assert page.next_cursor is None
    if with_total:
        assert page.total == len(page.items)
    return {e.id for e in page.items}


def _ids_of(*employees: Employee) -> set[UUID]:
    return {e.id for e in employees}


async def test_eq_is_exact(uow_factory: UnitOfWorkFactory, staff: Staff) -> None:
    assert await _ids(uow_factory, Filter("full_name", Op.EQ, "Ada Lovelace")) == _ids_of(staff.ada)
    assert await _ids(uow_factory, Filter("full_name", Op.EQ, "ada lovelace")) == set()
    assert await _ids(uow_factory, Filter("department_id", Op.EQ, staff.ops.id)) == _ids_of(staff.grace, staff.linus)
    assert await _ids(uow_factory, Filter("hired_on", Op.EQ, date(2021, 6, 1))) == _ids_of(staff.alan, staff.barbara)


async def test_eq_none_matches_the_missing_values(uow_factory: UnitOfWorkFactory, staff: Staff) -> None:
    assert await _ids(uow_factory, Filter("manager_id", Op.EQ, None)) == _ids_of(staff.ada, staff.alan, staff.linus)


async def test_in_matches_any_listed_value(uow_factory: UnitOfWorkFactory, staff: Staff) -> None:
    names = Filter("full_name", Op.IN, ("Linus", "Alan Turing", "Nobody"))
    assert await _ids(uow_factory, names) == _ids_of(staff.linus, staff.alan)
    managers = Filter("manager_id", Op.IN, (staff.ada.id, staff.linus.id))
    assert await _ids(uow_factory, managers) == _ids_of(staff.grace, staff.barbara)


async def test_gte_and_lte_include_their_bounds(uow_factory: UnitOfWorkFactory, staff: Staff) -> None:
    since = Filter("hired_on", Op.GTE, date(2021, 6, 1))
    until = Filter("hired_on", Op.LTE, date(2022, 1, 1))
    assert await _ids(uow_factory, since) == _ids_of(staff.alan, staff.barbara, staff.grace, staff.linus)
    assert await _ids(uow_factory, until) == _ids_of(staff.ada, staff.alan, staff.barbara, staff.grace)
    assert await _ids(uow_factory, since, until) == _ids_of(staff.alan, staff.barbara, staff.grace)


async def test_range_filters_on_timestamps(uow_factory: UnitOfWorkFactory) -> None:
    early, middle, late = (competency(created_at=BASE_TIME.replace(hour=h)) for h in (8, 10, 12))
    await persist(uow_factory, early, middle, late)
    query = ListQuery(
        filters=(Filter("created_at", Op.GTE, middle.created_at), Filter("created_at", Op.LTE, late.created_at)),
        sort=(SortKey("created_at"),),
    )
    async with uow_factory() as uow:
        page = await uow.repository(Competency).page(query, EVERYTHING)
    assert [c.id for c in page.items] == [middle.id, late.id]


async def test_contains_ignores_case_and_skips_missing_values(uow_factory: UnitOfWorkFactory, staff: Staff) -> None:
    assert await _ids(uow_factory, Filter("job_title", Op.CONTAINS, "aNaLy")) == _ids_of(staff.ada, staff.barbara)
    assert await _ids(uow_factory, Filter("full_name", Op.CONTAINS, "li")) == _ids_of(staff.linus, staff.barbara)


async def test_contains_takes_like_wildcards_literally(uow_factory: UnitOfWorkFactory, staff: Staff) -> None:
    assert await _ids(uow_factory, Filter("job_title", Op.CONTAINS, "%_")) == _ids_of(staff.grace)
    assert await _ids(uow_factory, Filter("job_title", Op.CONTAINS, "0_s")) == set()


async def test_search_wants_every_word_to_start_a_word(uow_factory: UnitOfWorkFactory, staff: Staff) -> None:
    assert await _ids(uow_factory, Filter("full_name", Op.SEARCH, "love AD")) == _ids_of(staff.ada)
    assert await _ids(uow_factory, Filter("full_name", Op.SEARCH, "ovelace")) == set()
    assert await _ids(uow_factory, Filter("full_name", Op.SEARCH, "li")) == _ids_of(staff.linus, staff.barbara)
    assert await _ids(uow_factory, Filter("job_title", Op.SEARCH, "analyst")) == _ids_of(staff.ada, staff.barbara)


async def test_filters_are_anded(uow_factory: UnitOfWorkFactory, staff: Staff) -> None:
    found = await _ids(
        uow_factory,
        Filter("department_id", Op.EQ, staff.eng.id),
        Filter("job_title", Op.CONTAINS, "analyst"),
        Filter("hired_on", Op.GTE, date(2021, 1, 1)),
    )
    assert found == _ids_of(staff.barbara)


async def test_the_scope_restricts_the_page_and_its_total(uow_factory: UnitOfWorkFactory, staff: Staff) -> None:
    scope = Scope(filters=(Filter("department_id", Op.EQ, staff.eng.id),))
    everyone_visible = await _ids(uow_factory, scope=scope, with_total=True)
    assert everyone_visible == _ids_of(staff.ada, staff.alan, staff.barbara)
    hired_late = Filter("hired_on", Op.GTE, date(2021, 1, 1))
    assert await _ids(uow_factory, hired_late, scope=scope, with_total=True) == _ids_of(staff.alan, staff.barbara)


@pytest.mark.parametrize("with_total", [False, True])
async def test_the_nothing_scope_gives_an_empty_page(
    uow_factory: UnitOfWorkFactory, staff: Staff, with_total: bool
) -> None:
    async with uow_factory() as uow:
        page = await uow.repository(Employee).page(ListQuery(sort=(SortKey("id"),), with_total=with_total), NOTHING)
    assert list(page.items) == []
    assert page.next_cursor is None
    assert page.total == (0 if with_total else None)


async def test_the_total_counts_every_match_not_the_page(uow_factory: UnitOfWorkFactory, staff: Staff) -> None:
    query = ListQuery(sort=(SortKey("full_name"),), limit=2, with_total=True)
    async with uow_factory() as uow:
        counted = await uow.repository(Employee).page(query, EVERYTHING)
        uncounted = await uow.repository(Employee).page(ListQuery(sort=(SortKey("full_name"),), limit=2), EVERYTHING)
    assert (len(counted.items), counted.total) == (2, 5)
    assert uncounted.total is None
