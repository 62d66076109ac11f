"""Services on the memory adapter: CrudService with a clock that moves one second per reading,
the authentication use cases (`world`) with a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from adapters.memory import MemoryStore
from adapters.security.passwords import Argon2PasswordHasher
from tests.factories import BASE_TIME
from tests.unit.services.auth_world import AuthWorld, cheap_hasher
from tests.unit.services.training_world import TrainingWorld
from upskill.domain.competency import Competency
from upskill.domain.ids import UUIDv7Factory
from upskill.domain.organisation import Department, Employee
from upskill.domain.resources import COMPETENCIES, DEPARTMENTS, EMPLOYEES
from upskill.services.crud import CrudService


class TickingClock:
    """Each reading is one second after the previous one."""

    def __init__(self) -> None:
        self._now = BASE_TIME

    def now(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def departments(memory_store: MemoryStore, clock: TickingClock) -> CrudService[Department]:
    return CrudService(DEPARTMENTS, memory_store.unit_of_work, clock, UUIDv7Factory())


@pytest.fixture
def competencies(memory_store: MemoryStore, clock: TickingClock) -> CrudService[Competency]:
    return CrudService(COMPETENCIES, memory_store.unit_of_work, clock, UUIDv7Factory())


@pytest.fixture
def employees(memory_store: MemoryStore, clock: TickingClock) -> CrudService[Employee]:
    return CrudService(EMPLOYEES, memory_store.unit_of_work, clock, UUIDv7Factory())


@pytest.fixture(scope="session")
def hasher() -> Iterator[Argon2PasswordHasher]:
    made = cheap_hasher()
    yield made
    made.close()


@pytest.fixture
def world(hasher: Argon2PasswordHasher) -> AuthWorld:
    return AuthWorld(hasher)


@pytest.fixture
async def org() -> TrainingWorld:
    """The training world, its organisation persisted."""
    return await TrainingWorld().setup()
