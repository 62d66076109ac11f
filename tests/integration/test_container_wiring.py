"""The tests' apps are the container's: a wiring mistake in `adapters/container.py` fails a test.

Every app of the integration, SSO and reliability suites is built by `build_stack` from
`adapters.container.Container` with providers overridden (`wired_container`); these tests check
that the seam holds — the app the tests build serves what `adapters.main.build_app` serves, and
each service the container provides is the one its routes call.
"""

from __future__ import annotations

from typing import Any

import pytest
from dependency_injector import providers
from fastapi import FastAPI
from fastapi.routing import APIRoute

import adapters.main
from adapters.memory import MemoryStore
from tests.integration.conftest import (
    API,
    app_of,
    assert_problem,
    build_stack,
    memory_backend,
    serve,
    wired_container,
)
from upskill.domain.errors import Unavailable
from upskill.domain.ports import UnitOfWork

CRUD_PROVIDERS = (
    "departments",
    "competencies",
    "employees",
    "requirements",
    "assessments",
    "feedback",
    "courses",
    "enrollments",
    "plans",
)


def _unreachable_store() -> UnitOfWork:
    raise Unavailable("the store of one service only")


def routes(app: FastAPI) -> set[tuple[str, frozenset[str]]]:
    return {(r.path, frozenset(r.methods)) for r in app.routes if isinstance(r, APIRoute)}


def test_the_tests_app_serves_the_routes_of_the_served_app(
    memory_store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapters.main, "configure_logging", lambda settings: None)  # the test session's own
    served = adapters.main.build_app(wired_container(memory_backend(memory_store)))
    tested = app_of(wired_container(memory_backend(MemoryStore())))

    assert routes(tested) == routes(served)
    assert len(routes(served)) > 50


def test_the_container_exposes_every_crud_provider(memory_store: MemoryStore) -> None:
    container = wired_container(memory_backend(memory_store))
    listed = container.crud_services()

    assert [s for s in listed if s is container.users()] == [container.users()]
    for name in CRUD_PROVIDERS:
        service = getattr(container, name)()
        assert [s for s in listed if s is service] == [service], name
    assert len(listed) == len(CRUD_PROVIDERS) + 1


@pytest.mark.parametrize("name", CRUD_PROVIDERS)
async def test_each_collection_is_served_by_its_container_provider(memory_store: MemoryStore, name: str) -> None:
    """Override one provider (the container's own wiring, its store replaced by one that is
    unreachable): that collection, and only it, becomes unavailable."""
    container = wired_container(memory_backend(memory_store))
    original: Any = getattr(container, name)
    args = [providers.Object(_unreachable_store) if a is container.unit_of_work else a for a in original.args]
    assert len(args) == len(original.args)
    assert any(isinstance(a, providers.Object) for a in args), f"{name} is not on the container's unit of work"
    original.override(providers.Singleton(original.cls, *args, **original.kwargs))
    stack = build_stack(memory_backend(memory_store), container=container)

    async with serve(stack) as client:
        for other in CRUD_PROVIDERS:
            collection = getattr(container, other)().resource.collection
            response = await client.get(f"{API}/{collection}")
            if other == name:
                assert_problem(response, 503, "unavailable")
            else:
                assert response.status_code == 200, (other, response.text)
