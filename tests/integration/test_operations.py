"""Health probes, lifespan hooks, CORS when configured, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.memory import MemoryStore
from tests.integration.conftest import API, Stack, assert_problem, build_stack, make_settings, memory_backend, serve
from upskill.domain.errors import Unavailable

ORIGIN = "https://app.example"


async def _not_ready() -> None:
    raise Unavailable("database schema is behind")


async def _crashing_check() -> None:
    raise RuntimeError("boom")


async def test_live_and_ready_when_ready(client: httpx.AsyncClient) -> None:
    live = await client.get("/health/live")
    ready = await client.get("/health/ready")

    assert (live.status_code, live.json()) == (200, {"status": "live"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


@pytest.mark.parametrize("check", [_not_ready, _crashing_check])
async def test_not_ready_is_a_503_problem_with_retry_after(memory_store: MemoryStore, check: Any) -> None:
    stack = build_stack(memory_backend(memory_store), ready=check, settings=make_settings(retry_after_s=7))
    async with serve(stack) as client:
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")

    assert live.status_code == 200
    assert_problem(ready, 503, "unavailable")
    assert ready.headers["retry-after"] == "7"


async def test_lifespan_runs_startup_then_shutdown_hooks(memory_store: MemoryStore) -> None:
    events: list[str] = []

    async def opened() -> None:
        events.append("startup")

    async def closed() -> None:
        events.append("shutdown")

    stack = build_stack(memory_backend(memory_store), on_startup=[opened], on_shutdown=[closed])
    async with serve(stack) as client:
        await client.get("/health/live")
        events.append("served")

    assert events == ["startup", "served", "shutdown"]


async def test_a_failed_startup_still_runs_the_shutdown_hooks(memory_store: MemoryStore) -> None:
    events: list[str] = []

    async def fails() -> None:
        raise RuntimeError("cannot start")

    async def closed() -> None:
        events.append("shutdown")

    stack = build_stack(memory_backend(memory_store), on_startup=[fails], on_shutdown=[closed])
    with pytest.raises(RuntimeError, match="cannot start"):
        async with serve(stack):
            events.append("served")

    assert events == ["shutdown"]


async def test_cors_preflight_and_exposed_headers_when_configured(memory_store: MemoryStore) -> None:
    stack = build_stack(memory_backend(memory_store), settings=make_settings(cors_origins=[ORIGIN]))
    async with serve(stack) as client:
        preflight = await client.options(
            f"{API}/departments/x",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "If-Match, Content-Type",
            },
        )
        simple = await client.get(f"{API}/departments", headers={"Origin": ORIGIN})
        stranger = await client.get(f"{API}/departments", headers={"Origin": "https://evil.example"})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "PATCH" in preflight.headers["access-control-allow-methods"]
    assert "x-request-id" in preflight.headers
    assert simple.headers["access-control-allow-origin"] == ORIGIN
    exposed = {h.strip().lower() for h in simple.headers["access-control-expose-headers"].split(",")}
    assert exposed >= {"location", "etag", "link", "x-request-id", "retry-after"}
    assert "access-control-allow-origin" not in stranger.headers


async def test_openapi_lists_every_status_of_every_route_with_the_problem_schema(stack: Stack) -> None:
    async with serve(stack, as_admin=False) as client:
        document = (await client.get("/openapi.json")).json()
        docs = await client.get("/docs")

    assert docs.status_code == 200
    paths = document["paths"]
    expected = {
        ("/api/v1/departments", "post"): {"201", "400", "401", "403", "409", "413", "415", "422", "500", "503"},
        ("/api/v1/departments", "get"): {"200", "400", "401", "403", "413", "500", "503"},
        ("/api/v1/departments/{id}", "get"): {"200", "304", "401", "403", "404", "413", "422", "500", "503"},
        ("/api/v1/employees/{id}", "patch"): {
            *("200", "400", "401", "403", "404", "409", "412", "413", "415", "422", "500", "503"),
        },
        ("/api/v1/competencies/{id}", "put"): {
            *("200", "400", "401", "403", "404", "409", "412", "413", "415", "422", "500", "503"),
        },
        ("/api/v1/competencies/{id}", "delete"): {
            *("204", "400", "401", "403", "404", "409", "412", "413", "422", "500", "503"),
        },
        ("/health/ready", "get"): {"200", "413", "500", "503"},  # 413: any request's body over the limit
    }
    for (path, method), statuses in expected.items():
        responses = paths[path][method]["responses"]
        assert set(responses) == statuses, (path, method)
        for status, response in responses.items():
            if int(status) >= 400:
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}
    assert "Problem" in document["components"]["schemas"]


async def test_openapi_describes_resource_schemas_and_list_parameters(memory_client: httpx.AsyncClient) -> None:
    document = (await memory_client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]

    assert set(schemas["EmployeeInput"]["required"]) == {"full_name", "email", "department_id", "hired_on"}
    assert schemas["EmployeeInput"]["additionalProperties"] is False
    assert "required" not in schemas["EmployeePatch"]
    assert schemas["Department"]["properties"].keys() >= {"id", "version", "created_at", "updated_at", "name"}
    patch_body = document["paths"]["/api/v1/departments/{id}"]["patch"]["requestBody"]["content"]
    assert set(patch_body) == {"application/json", "application/merge-patch+json"}
    parameters = {p["name"] for p in document["paths"]["/api/v1/employees"]["get"]["parameters"]}
    assert parameters >= {"limit", "cursor", "sort", "count", "hired_on", "hired_on__gte", "email__contains"}
