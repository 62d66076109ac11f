"""The memory store enforces the declarative rules of any registered resource, with no code of
its own per resource: here a made-up `Team` with a partial unique rule whose nulls collide,
nested seats that reference employees, and full-text search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID, uuid4

import pytest

from adapters.memory import MemoryStore
from tests.factories import BASE_TIME, department, employee, persist
from upskill.domain.entity import Entity
from upskill.domain.errors import Conflict, InvalidQuery, InvalidReference
from upskill.domain.organisation import Employee
from upskill.domain.policy import EVERYTHING
from upskill.domain.query import Filter, ListQuery, Op, SortKey
from upskill.domain.resource import SEARCH_FIELD, Nested, Reference, Resource, Unique


@dataclass(frozen=True, slots=True)
class Seat:
    employee_id: UUID
    role: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Team(Entity):
    label: ClassVar[str] = "Team"

    name: str
    motto: str | None = None
    department_id: UUID | None = None
    active: bool = True
    seats: tuple[Seat, ...] = ()


TEAMS = Resource(
    entity=Team,
    collection="teams",
    unique=(
        Unique(
            "uq_teams_department_id_name_active",
            ("department_id", "name"),
            nulls_distinct=False,
            where=(Filter("active", Op.EQ, True),),
        ),
    ),
    references=(Reference("fk_team_seats_employee_id_employees", "seats.employee_id", Employee),),
    nested=(Nested("seats", Seat, "team_seats"),),
    search=("name", "motto"),
)


def _team(name: str, *seats: Seat, motto: str | None = None, active: bool = True) -> Team:
    return Team(
        id=uuid4(), created_at=BASE_TIME, updated_at=BASE_TIME, name=name, seats=seats, motto=motto, active=active
    )


@pytest.fixture
async def store(memory_store: MemoryStore) -> MemoryStore:
    memory_store.register(TEAMS)
    return memory_store


async def test_only_matching_records_take_part_and_nulls_collide(store: MemoryStore) -> None:
    await persist(store.unit_of_work, _team("Core"), _team("Core", active=False), _team("Core", active=False))
    async with store.unit_of_work() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.repository(Team).add(_team("Core"))
    assert caught.value.field == "department_id"


async def test_every_nested_reference_is_held(store: MemoryStore) -> None:
    dept = department()
    ada = employee(department_id=dept.id)
    await persist(store.unit_of_work, dept, ada, _team("Core", Seat(ada.id, "lead")))
    async with store.unit_of_work() as uow:
        with pytest.raises(InvalidReference) as caught:
            await uow.repository(Team).add(_team("Edge", Seat(ada.id, "lead"), Seat(uuid4(), "dev")))
    assert caught.value.field == "seats.1.employee_id"
    async with store.unit_of_work() as uow:
        with pytest.raises(Conflict):
            await uow.repository(Employee).delete(ada.id)


async def _names(store: MemoryStore, *filters: Filter) -> list[str]:
    async with store.unit_of_work() as uow:
        page = await uow.repository(Team).page(ListQuery(filters=filters, sort=(SortKey("name"),)), EVERYTHING)
    return [t.name for t in page.items]


async def test_nested_filters_and_search(store: MemoryStore) -> None:
    dept = department()
    ada, alan = employee(department_id=dept.id), employee(department_id=dept.id)
    await persist(
        store.unit_of_work,
        dept,
        ada,
        alan,
        _team("Core", Seat(ada.id, "lead"), Seat(alan.id, "dev"), motto="Ship it"),
        _team("Edge", Seat(alan.id, "lead")),
    )
    alan_leads = (Filter("seats.employee_id", Op.EQ, alan.id), Filter("seats.role", Op.EQ, "lead"))
    assert await _names(store, *alan_leads) == ["Edge"]
    assert await _names(store, Filter(SEARCH_FIELD, Op.SEARCH, "core SHIP")) == ["Core"]
    with pytest.raises(InvalidQuery):
        await _names(store, Filter("seats.nickname", Op.EQ, "x"))


async def test_the_search_field_takes_only_the_search_operator(store: MemoryStore) -> None:
    with pytest.raises(InvalidQuery):
        await _names(store, Filter(SEARCH_FIELD, Op.EQ, "core"))
