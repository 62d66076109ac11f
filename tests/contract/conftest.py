"""Every contract test runs once per storage adapter: the memory fake and PostgreSQL."""

from __future__ import annotations

import pytest

from upskill.domain.ports import UnitOfWorkFactory


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    """A unit-of-work factory on an empty store of the parametrised adapter."""
    store = request.getfixturevalue("memory_store" if request.param == "memory" else "clean_pg")
    factory: UnitOfWorkFactory = store.unit_of_work
    return factory
