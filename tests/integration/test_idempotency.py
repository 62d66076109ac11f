"""Idempotency-Key over HTTP, on both adapters (API.md, "Safe retries"): a retry replays the
first success and writes nothing; another request under the key is refused; a failure is not
remembered; keys are per user; concurrent retries create one record and never fail with a 500."""

from __future__ import annotations

import asyncio

import httpx

from adapters.http.idempotency import IdempotencyMiddleware
from tests.integration.accounts import access_token, add_user
from tests.integration.conftest import API, PASSWORD, Stack, assert_problem
from upskill.domain.errors import Unavailable


async def _count(client: httpx.AsyncClient, collection: str) -> int:
    total: int = (await client.get(f"{API}/{collection}", params={"count": "true"})).json()["total"]
    return total


async def test_a_retry_replays_the_first_response_and_writes_nothing(client: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "create-sales-1"}
    first = await client.post(f"{API}/departments", json={"name": "Sales", "description": None}, headers=key)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = await client.post(
        f"{API}/departments",
        content=b'{ "description": null,"name":"Sales"}',
        headers={
            **key,
            "Content-Type": "application/json",
        },
    )
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert (again.headers["location"], again.headers["etag"]) == (first.headers["location"], first.headers["etag"])
    assert await _count(client, "departments") == 1
    history = (await client.get(f"{API}/departments/{first.json()['id']}/history")).json()["items"]
    assert len(history) == 1


async def test_the_same_key_for_another_request_is_refused(client: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": '"quoted-key"'}
    assert (await client.post(f"{API}/departments", json={"name": "A"}, headers=key)).status_code == 201
    other = await client.post(f"{API}/departments", json={"name": "B"}, headers=key)
    assert_problem(other, 422, "idempotency-key-reused")
    elsewhere = await client.post(f"{API}/competencies", json={"name": "A"}, headers=key)
    assert_problem(elsewhere, 422, "idempotency-key-reused")
    assert await _count(client, "departments") == 1


async def test_a_failure_is_not_remembered(client: httpx.AsyncClient) -> None:
    await client.post(f"{API}/departments", json={"name": "Taken"})
    key = {"Idempotency-Key": "retry-me"}
    refused = await client.post(f"{API}/departments", json={"name": "Taken"}, headers=key)
    assert_problem(refused, 409, "conflict")
    assert (await client.patch(f"{API}/departments/{(await _first(client))['id']}", json={"name": "Free"})).is_success
    retried = await client.post(f"{API}/departments", json={"name": "Taken"}, headers=key)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers


async def _first(client: httpx.AsyncClient) -> dict[str, object]:
    item: dict[str, object] = (await client.get(f"{API}/departments")).json()["items"][0]
    return item


async def test_keys_are_per_user_and_malformed_keys_refused(stack: Stack, client: httpx.AsyncClient) -> None:
    await add_user(client, "second@example.com", role="admin")
    key = {"Idempotency-Key": "shared"}
    assert (await client.post(f"{API}/competencies", json={"name": "Go"}, headers=key)).status_code == 201
    async with stack.client(await access_token(client, "second@example.com")) as second:
        theirs = await second.post(f"{API}/competencies", json={"name": "Rust"}, headers=key)
        assert theirs.status_code == 201
        assert "idempotent-replayed" not in theirs.headers
    for bad in (b"", b'"unbalanced', b"a" * 256, b"tab\tinside", "é".encode()):
        response = await client.post(f"{API}/competencies", json={"name": "X"}, headers={"Idempotency-Key": bad})
        assert_problem(response, 400, "bad-request")
    assert await _count(client, "competencies") == 2


async def test_auth_routes_ignore_the_key(stack: Stack, client: httpx.AsyncClient) -> None:
    await add_user(client, "u@example.com")
    form = {"grant_type": "password", "username": "u@example.com", "password": PASSWORD}
    async with stack.client() as anonymous:
        first = await anonymous.post(f"{API}/auth/token", data=form, headers={"Idempotency-Key": "k"})
        second = await anonymous.post(f"{API}/auth/token", data=form, headers={"Idempotency-Key": "k"})
    assert "idempotent-replayed" not in second.headers
    assert first.status_code == second.status_code


async def test_twenty_concurrent_posts_with_one_key_create_one_record(client: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "race"}

    async def post() -> httpx.Response:
        return await client.post(f"{API}/departments", json={"name": "Raced"}, headers=key)

    answers = await asyncio.gather(*(post() for _ in range(20)))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, statuses
    created = [a for a in answers if a.status_code == 201]
    assert len([a for a in created if "idempotent-replayed" not in a.headers]) == 1
    assert len({a.json()["id"] for a in created}) == 1
    for refused in (a for a in answers if a.status_code == 409):
        assert_problem(refused, 409, "idempotency-key-in-use")
    assert await _count(client, "departments") == 1
    replay = await post()
    assert replay.headers["idempotent-replayed"] == "true"


async def test_openapi_documents_the_header_on_every_post_but_auth(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    posts = {path: ops["post"] for path, ops in paths.items() if "post" in ops}
    for path, operation in posts.items():
        names = [p["name"] for p in operation.get("parameters", [])]
        assert ("Idempotency-Key" in names) is (not path.startswith(f"{API}/auth/")), path
        if "Idempotency-Key" in names:
            assert {"400", "409", "422"} <= operation["responses"].keys(), path


async def test_a_store_that_is_down_answers_503_not_500(stack: Stack, client: httpx.AsyncClient) -> None:
    async def unavailable(*_: object) -> None:
        raise Unavailable("The database cannot be reached.")

    middleware = stack.app.middleware_stack
    while middleware is not None and not isinstance(middleware, IdempotencyMiddleware):
        middleware = getattr(middleware, "app", None)
    assert isinstance(middleware, IdempotencyMiddleware)
    middleware.service.begin = unavailable  # type: ignore[method-assign]
    response = await client.post(f"{API}/departments", json={"name": "X"}, headers={"Idempotency-Key": "k"})
    assert_problem(response, 503, "unavailable")
    assert response.headers["retry-after"] == "5"
