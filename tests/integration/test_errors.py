"""Errors the HTTP layer produces itself, and the problem format on every path out."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.http.auth import INVALID_TOKEN, REFUSED_DETAIL
from adapters.http.problems import PROBLEM_TYPES
from adapters.memory import MemoryStore
from tests.integration.conftest import API, assert_problem, build_stack, department, memory_backend, serve
from upskill.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidQuery,
    InvalidReference,
    InvariantViolation,
    NotFound,
    RateLimited,
    StaleVersion,
    TransactionConflict,
    Unauthenticated,
    Unavailable,
)
from upskill.domain.ports import UnitOfWork

SECRET = "password=hunter2 at db.internal:5432"


def _broken_store() -> UnitOfWork:
    raise RuntimeError(SECRET)


def _unreachable_store() -> UnitOfWork:
    raise Unavailable(f"cannot reach {SECRET}")


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{API}/unicorns"), 404, "not-found")
    assert_problem(await client.get("/nowhere"), 404, "not-found")
    assert_problem(await client.get(f"{API}/departments/{uuid.uuid4()}"), 404, "not-found")


async def test_wrong_method_is_405_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/departments/{uuid.uuid4()}", json={"name": "X"})

    assert_problem(response, 405, "method-not-allowed")
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "PATCH", "PUT", "DELETE"}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_that_is_not_json_is_415(client: httpx.AsyncClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    response = await client.post(f"{API}/departments", content=b'{"name": "Sales"}', headers=headers)

    assert_problem(response, 415, "unsupported-media-type")
    assert response.headers["accept"] == "application/json"
    assert (await client.get(f"{API}/departments")).json()["items"] == []


async def test_merge_patch_media_type_is_for_patch_only(client: httpx.AsyncClient) -> None:
    body, headers = b'{"name": "Sales"}', {"Content-Type": "application/merge-patch+json"}

    assert_problem(
        await client.post(f"{API}/departments", content=body, headers=headers), 415, "unsupported-media-type"
    )
    created = await department(client)
    patched = await client.patch(f"{API}/departments/{created['id']}", content=b"{}", headers=headers)
    assert patched.status_code == 200
    charset = {"Content-Type": "application/json; charset=utf-8"}
    assert (await client.put(f"{API}/departments/{created['id']}", content=body, headers=charset)).status_code == 200


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/departments", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 400, "bad-request")


async def test_a_body_over_the_limit_is_413_declared_or_streamed(memory_client: httpx.AsyncClient) -> None:
    limit = 1024 * 1024
    big = b'{"name": "' + b"x" * limit + b'"}'

    declared = await memory_client.post(f"{API}/departments", content=big, headers={"Content-Type": "application/json"})
    assert_problem(declared, 413, "content-too-large")

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    streamed = await memory_client.post(
        f"{API}/departments", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in streamed.request.headers
    assert_problem(streamed, 413, "content-too-large")
    assert (await memory_client.get(f"{API}/departments")).json()["items"] == []


async def test_an_unexpected_error_is_a_generic_500(memory_store: MemoryStore) -> None:
    async with serve(build_stack(memory_backend(memory_store), crud_uow=_broken_store)) as client:
        response = await client.get(f"{API}/departments")

    body = assert_problem(response, 500, "internal-error")
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert body["errors"] == []


async def test_an_unreachable_store_is_503_with_retry_after(memory_store: MemoryStore) -> None:
    async with serve(build_stack(memory_backend(memory_store), crud_uow=_unreachable_store)) as client:
        response = await client.post(f"{API}/departments", json={"name": "Sales"})

    assert_problem(response, 503, "unavailable")
    assert response.headers["retry-after"] == "5"
    assert "hunter2" not in response.text


@pytest.mark.parametrize(
    ("error", "status", "slug", "header"),
    [
        (NotFound("gone"), 404, "not-found", None),
        (Conflict("taken", field="name"), 409, "conflict", None),
        (TransactionConflict("lost a race"), 409, "conflict", None),
        (InvalidReference("no such department", field="department_id"), 422, "invalid-reference", None),
        (InvariantViolation("must not be blank", field="name"), 422, "invalid-input", None),
        (InvalidQuery("unknown filter", field="salary"), 400, "invalid-query", None),
        (StaleVersion("moved on"), 412, "stale-version", None),
        (Forbidden("not yours"), 403, "forbidden", None),
        (Unauthenticated("expired"), 401, "unauthenticated", ("www-authenticate", INVALID_TOKEN)),
        (RateLimited("slow down", retry_after=30), 429, "rate-limited", ("retry-after", "30")),
        (Unavailable("down"), 503, "unavailable", ("retry-after", "5")),
    ],
)
async def test_each_core_error_maps_to_its_problem(
    memory_store: MemoryStore, error: DomainError, status: int, slug: str, header: tuple[str, str] | None
) -> None:
    def failing_store() -> UnitOfWork:
        raise error

    async with serve(build_stack(memory_backend(memory_store), crud_uow=failing_store)) as client:
        response = await client.get(f"{API}/departments")

    body = assert_problem(response, status, slug, field=error.field)
    if isinstance(error, Unauthenticated):
        assert body["detail"] == REFUSED_DETAIL  # never why
    elif status < 500:
        assert body["detail"] == error.reason
    if header is not None:
        assert response.headers[header[0]] == header[1]


async def test_every_problem_type_is_described(memory_client: httpx.AsyncClient) -> None:
    for slug, problem in PROBLEM_TYPES.items():
        response = await memory_client.get(f"/problems/{slug}")

        assert response.status_code == 200
        assert response.json() == {
            "type": f"/problems/{slug}",
            "title": problem.title,
            "status": problem.status,
            "description": problem.description,
        }


async def test_every_response_carries_the_request_id_and_nosniff(memory_client: httpx.AsyncClient) -> None:
    responses = [
        await memory_client.get(f"{API}/departments", headers={"X-Request-ID": "trace-42.a_b"}),
        await memory_client.get("/nowhere", headers={"X-Request-ID": "trace-42.a_b"}),
        await memory_client.get("/health/live", headers={"X-Request-ID": "trace-42.a_b"}),
    ]

    for response in responses:
        assert response.headers["x-request-id"] == "trace-42.a_b"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert responses[1].json()["request_id"] == "trace-42.a_b"
    assert responses[0].headers["cache-control"] == "no-store"


@pytest.mark.parametrize("given", [None, "", "has space", "semi;colon", "x" * 129, "ünïcode".encode()])
async def test_an_absent_or_insane_request_id_is_replaced(
    memory_client: httpx.AsyncClient, given: str | bytes | None
) -> None:
    raw = given.encode() if isinstance(given, str) else given
    headers = [(b"X-Request-ID", raw)] if raw is not None else []

    first = await memory_client.get("/nowhere", headers=headers)
    second = await memory_client.get("/nowhere", headers=headers)

    generated = first.headers["x-request-id"]
    assert generated != given
    assert len(generated) == 32
    assert int(generated, 16) >= 0
    assert first.json()["request_id"] == generated
    assert second.headers["x-request-id"] != generated


async def test_problem_types_are_described_at_their_uri(client: httpx.AsyncClient) -> None:
    await department(client, "Sales")
    conflict = await client.post(f"{API}/departments", json={"name": "Sales"})

    described = await client.get(conflict.json()["type"])

    assert described.status_code == 200
    assert described.json()["status"] == 409
    assert described.json()["title"] == conflict.json()["title"]
    assert described.json()["description"]
    assert_problem(await client.get("/problems/no-such-thing"), 404, "not-found")


async def test_cors_is_off_by_default(memory_client: httpx.AsyncClient) -> None:
    response = await memory_client.get(f"{API}/departments", headers={"Origin": "https://app.example"})

    assert "access-control-allow-origin" not in response.headers
