"""The router is derived from a resource declaration alone: any entity, any declared filter.
These resources exist only here, on the memory adapter, to exercise shapes the shipped ones lack."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from adapters.memory import MemoryStore
from tests.conftest import CURSOR_SECRET
from tests.integration.conftest import API, assert_problem, build_stack, memory_backend, serve
from upskill.domain.ids import SystemClock, UUIDv7Factory
from upskill.domain.organisation import Department
from upskill.domain.query import Op, SortKey
from upskill.domain.resource import Resource
from upskill.domain.resources import EMPLOYEES, USERS
from upskill.domain.training import Course
from upskill.services.crud import CrudService

TEAMS = Resource(
    entity=Department,
    collection="teams",
    filters={"name": frozenset({Op.EQ, Op.SEARCH})},
    sortable=frozenset({"name", "id"}),
    default_sort=(SortKey("name"),),
)
COURSES = Resource(
    entity=Course,
    collection="courses",
    filters={"rating": frozenset({Op.GTE}), "title": frozenset({Op.CONTAINS})},
    sortable=frozenset({"title", "rating", "id"}),
    default_sort=(SortKey("title"),),
)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    store = MemoryStore([TEAMS, EMPLOYEES, USERS, COURSES], cursor_secret=CURSOR_SECRET)
    services: list[CrudService[Any]] = [
        CrudService(resource, store.unit_of_work, SystemClock(), UUIDv7Factory()) for resource in (TEAMS, COURSES)
    ]
    async with serve(build_stack(memory_backend(store), crud=services)) as http:
        yield http


async def test_q_is_full_text_search_on_the_searchable_field(client: httpx.AsyncClient) -> None:
    for name in ("Field Sales", "Sales Ops", "Research"):
        assert (await client.post(f"{API}/teams", json={"name": name})).status_code == 201

    async def names(**params: str) -> list[str]:
        response = await client.get(f"{API}/teams", params=params)
        assert response.status_code == 200, response.text
        return [t["name"] for t in response.json()["items"]]

    assert await names(q="sal") == ["Field Sales", "Sales Ops"]
    assert await names(q="ops SALES") == ["Sales Ops"]
    assert await names(name__search="res") == ["Research"]
    assert_problem(await client.get(f"{API}/teams", params={"q": " "}), 400, "invalid-query", field="q")


async def test_nested_values_enums_and_floats_reach_the_core_as_objects(client: httpx.AsyncClient) -> None:
    competency_id = str(uuid.uuid4())
    cover = {"competency_id": competency_id, "level": "advanced"}
    body: dict[str, Any] = {"title": "Negotiation", "rating": 4.5, "covers": [cover]}

    created = await client.post(f"{API}/courses", json=body)

    assert created.status_code == 201, created.text
    assert created.json()["covers"] == [{"competency_id": competency_id, "level": "advanced"}]
    assert created.json()["rating"] == 4.5
    duplicate = {**body, "covers": [cover, cover]}
    assert_problem(
        await client.post(f"{API}/courses", json=duplicate), 422, "invalid-input", field="covers.1.competency_id"
    )
    bad_level = {**body, "covers": [{"competency_id": competency_id, "level": "guru"}]}
    assert_problem(await client.post(f"{API}/courses", json=bad_level), 422, "invalid-input", field="covers.0.level")
    listed = await client.get(f"{API}/courses", params={"rating__gte": "4"})
    assert [c["title"] for c in listed.json()["items"]] == ["Negotiation"]
    assert_problem(await client.get(f"{API}/courses", params={"rating__gte": "high"}), 400, "invalid-query")


async def test_collections_without_search_refuse_q(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{API}/courses", params={"q": "x"}), 400, "invalid-query", field="q")
