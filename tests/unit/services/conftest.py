"""CrudService on the memory adapter, with a clock that moves one second per reading."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from adapters.memory import MemoryStore
from tests.factories import BASE_TIME
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
