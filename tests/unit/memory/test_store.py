"""The memory store: its resource registry and readiness."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID, uuid4

import pytest

from adapters.memory import MemoryStore
from tests.factories import BASE_TIME, department, persist
from upskill.domain.entity import Entity
from upskill.domain.errors import Conflict, InvalidReference
from upskill.domain.organisation import Department
from upskill.domain.resource import Reference, Resource, Unique


@dataclass(frozen=True, slots=True, kw_only=True)
class Team(Entity):
    label: ClassVar[str] = "Team"

    code: str
    department_id: UUID


TEAMS = Resource(
    entity=Team,
    collection="teams",
    unique=(Unique("uq_teams_code", ("code",)),),
    references=(Reference("fk_teams_department_id_departments", "department_id", Department),),
)


def _team(code: str, department_id: UUID) -> Team:
    return Team(id=uuid4(), created_at=BASE_TIME, updated_at=BASE_TIME, code=code, department_id=department_id)


async def test_the_store_is_always_ready() -> None:
    await MemoryStore().ready()  # raises nothing


async def test_an_unregistered_entity_has_no_repository(memory_store: MemoryStore) -> None:
    async with memory_store.unit_of_work() as uow:
        with pytest.raises(LookupError, match="Team"):
            uow.repository(Team)


async def test_a_registered_resource_gets_its_rules_enforced(memory_store: MemoryStore) -> None:
    memory_store.register(TEAMS)
    dept = department()
    await persist(memory_store.unit_of_work, dept, _team("a", dept.id))
    async with memory_store.unit_of_work() as uow:
        with pytest.raises(Conflict):
            await uow.repository(Team).add(_team("b", dept.id).evolve(code="a"))
        assert await uow.repository(Team).add(_team("A", dept.id)) is not None  # case-sensitive rule
        with pytest.raises(InvalidReference):
            await uow.repository(Team).add(_team("c", uuid4()))
        with pytest.raises(Conflict):
            await uow.repository(Department).delete(dept.id)
