"""The FastAPI app over both storage adapters, driven through httpx with its lifespan run.

`client` is parametrised over the memory fake and PostgreSQL: every test that uses it runs on
both. `serve` builds a client for a custom app (broken services, CORS, failing readiness).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from adapters.http.app import create_app
from adapters.settings import Settings
from upskill.domain.ids import SystemClock, UUIDv7Factory
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.resources import ALL
from upskill.services.crud import CrudService

API = "/api/v1"


def make_settings(**overrides: Any) -> Settings:
    """Settings from these values and the defaults only (no environment, no `.env`)."""
    return Settings(_env_file=None, env="test", **overrides)


def make_services(uow_factory: UnitOfWorkFactory) -> list[CrudService[Any]]:
    clock, ids = SystemClock(), UUIDv7Factory()
    return [CrudService(resource, uow_factory, clock, ids) for resource in ALL]


async def always_ready() -> None:
    return None


def make_app(
    uow_factory: UnitOfWorkFactory,
    *,
    ready: Callable[[], Awaitable[None]] = always_ready,
    settings: Settings | None = None,
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
) -> FastAPI:
    return create_app(
        settings=settings or make_settings(),
        services=make_services(uow_factory),
        ready=ready,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
    )


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` with its lifespan started, and stopped on exit. App exceptions are
    not swallowed by the transport: a test sees any the app lets escape."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    """A unit-of-work factory on an empty store of the parametrised adapter."""
    store = request.getfixturevalue("memory_store" if request.param == "memory" else "clean_pg")
    factory: UnitOfWorkFactory = store.unit_of_work
    return factory


@pytest.fixture
async def client(uow_factory: UnitOfWorkFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(make_app(uow_factory)) as http:
        yield http


@pytest.fixture
async def memory_client(memory_store: Any) -> AsyncIterator[httpx.AsyncClient]:
    """For behaviour that does not depend on storage (headers, framework errors)."""
    async with serve(make_app(memory_store.unit_of_work)) as http:
        yield http


async def create(client: httpx.AsyncClient, collection: str, **body: Any) -> dict[str, Any]:
    """POST a record that must be created; its JSON."""
    response = await client.post(f"{API}/{collection}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def department(client: httpx.AsyncClient, name: str = "Sales", **body: Any) -> dict[str, Any]:
    return await create(client, "departments", name=name, **body)


async def employee(client: httpx.AsyncClient, department_id: str, **body: Any) -> dict[str, Any]:
    full_name = body.pop("full_name", "Ann Archer")
    email = body.pop("email", f"{full_name.lower().replace(' ', '.')}@example.com")
    hired_on = body.pop("hired_on", "2021-03-01")
    return await create(
        client,
        "employees",
        full_name=full_name,
        email=email,
        department_id=department_id,
        hired_on=hired_on,
        **body,
    )


def assert_problem(response: httpx.Response, status: int, slug: str, *, field: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem of this status and type (naming `field`, if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["instance"] == response.request.url.path
    assert body["request_id"] == response.headers["x-request-id"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body
