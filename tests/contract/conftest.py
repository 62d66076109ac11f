"""Every contract test runs once per storage adapter: the memory fake and PostgreSQL."""

from __future__ import annotations

import pytest

from adapters.memory import MemoryAccessGate, MemoryStore
from adapters.postgres.database import Database
from upskill.domain.ports import AccessGate, UnitOfWorkFactory


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request: pytest.FixtureRequest) -> MemoryStore | Database:
    """An empty store of the parametrised adapter."""
    store: MemoryStore | Database = request.getfixturevalue("memory_store" if request.param == "memory" else "clean_pg")
    return store


@pytest.fixture
def uow_factory(storage: MemoryStore | Database) -> UnitOfWorkFactory:
    """A unit-of-work factory on that store."""
    factory: UnitOfWorkFactory = storage.unit_of_work
    return factory


@pytest.fixture
def access_gate(storage: MemoryStore | Database) -> AccessGate:
    """The access gate over that store's committed state."""
    if isinstance(storage, MemoryStore):
        return MemoryAccessGate(storage)
    return storage.access_gate()
