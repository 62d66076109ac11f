"""The hot routes (`adapters.http.hot`) answer every request as FastAPI's own handler of the same
route does: the ordinary requests they serve themselves and the odd ones they hand over."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from adapters.http.hot import fastapi_app
from tests.integration.conftest import API, Stack, department

ID = "X-Request-ID"


@contextmanager
def fastapi_handlers(app: FastAPI) -> Iterator[int]:
    """Every hot route served by FastAPI's handler inside the block; how many there are."""
    swapped = [(r, r.app) for r in app.router.routes if isinstance(r, APIRoute) and fastapi_app(r) is not None]
    for route, _ in swapped:
        route.app = fastapi_app(route)
    try:
        yield len(swapped)
    finally:
        for route, app in swapped:
            route.app = app


def _seen(response: httpx.Response) -> tuple[int, dict[str, str], Any]:
    headers = {k: v for k, v in response.headers.items() if k not in {"date", "x-request-id"}}
    try:
        body: Any = response.json()
    except ValueError:
        body = response.content
    return response.status_code, headers, body


async def _both(stack: Stack, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> None:
    kwargs["headers"] = {ID: "hot-or-not", **kwargs.get("headers", {})}
    hot = _seen(await client.request(method, url, **kwargs))
    with fastapi_handlers(stack.app) as count:
        assert count >= 4
        slow = _seen(await client.request(method, url, **kwargs))
    assert hot == slow, f"{method} {url} {kwargs}"


async def test_reads_and_refusals_are_fastapi_s(stack: Stack, client: httpx.AsyncClient) -> None:
    created = await department(client)
    id = created["id"]
    url = f"{API}/departments/{id}"
    no_token = {"Authorization": ""}
    for path in [
        url,
        url.upper().replace("/API/V1/DEPARTMENTS/", "/api/v1/departments/"),
        f"{API}/departments/{uuid.uuid4()}",
    ]:
        await _both(stack, client, "GET", path)
    for odd in [id.replace("-", ""), "{" + id + "}", f"urn:uuid:{id}", "nope", id + "0", " " + id]:
        await _both(stack, client, "GET", f"{API}/departments/{odd}")
        await _both(stack, client, "GET", f"{API}/departments/{odd}", headers=no_token)
        await _both(stack, client, "PATCH", f"{API}/departments/{odd}", json={"name": "B"})
    await _both(stack, client, "GET", url, headers=no_token)
    await _both(stack, client, "GET", url, headers={"Authorization": "Bearer not-a-token"})
    await _both(stack, client, "GET", url, headers={"If-None-Match": 'W/"1"'})
    await _both(stack, client, "GET", url, headers={"If-None-Match": ""})
    await _both(stack, client, "GET", f"{API}/departments")
    await _both(stack, client, "GET", f"{API}/departments?limit=1&sort=-name")
    await _both(stack, client, "GET", f"{API}/departments?limit=0")
    await _both(stack, client, "GET", f"{API}/departments", headers=no_token)


async def test_bodies_are_read_as_fastapi_reads_them(stack: Stack, client: httpx.AsyncClient) -> None:
    created = await department(client)
    url = f"{API}/departments/{created['id']}"
    collection = f"{API}/departments"
    json_type = {"Content-Type": "application/json"}
    patch_type = {"Content-Type": "application/merge-patch+json"}
    bodies = [
        b"",
        b"{",
        b"[]",
        b"null",
        b'"x"',
        b"{}",
        b'{"name": NaN}',
        b'{"name": 1e999}',
        b'{"name": 123456789012345678901234567890}',
        b'{"nope": 1}',
        b'{"name": ""}',
        b'{"name": "  "}',
        b'{"name": "A", "name": 1}',
        b'{"name": "\\ud800"}',
        b'{"id": "x", "version": 3}',
        b'\xef\xbb\xbf{"name": "Sales"}',
        '{"name": "Sales"}'.encode("utf-16"),
        b'{"name": "Sales"}',
    ]
    for body in bodies:
        for headers in [json_type, patch_type, {"Content-Type": "text/plain"}, {}, {**json_type, "Authorization": ""}]:
            await _both(stack, client, "POST", collection, content=body, headers=headers)
            await _both(stack, client, "PATCH", url, content=body, headers={**headers, "If-Match": 'W/"9"'})
    for headers in [{"Content-Type": "application/json; charset=utf-8"}, {"Content-Type": "Application/JSON"}]:
        await _both(stack, client, "POST", collection, content=b'{"name": "Sales"}', headers=headers)


async def test_writes_answer_alike(stack: Stack, client: httpx.AsyncClient) -> None:
    hot = await client.post(f"{API}/departments", json={"name": "Hot"})
    with fastapi_handlers(stack.app):
        slow = await client.post(f"{API}/departments", json={"name": "Slow"})
    for response in (hot, slow):
        assert response.status_code == 201
    hot_body, slow_body = hot.json(), slow.json()
    assert set(hot_body) == set(slow_body)
    assert set(hot.headers) - {"x-request-id"} == set(slow.headers) - {"x-request-id"}
    changed = await client.patch(
        f"{API}/departments/{hot_body['id']}", json={"description": "d"}, headers={"If-Match": 'W/"1"'}
    )
    with fastapi_handlers(stack.app):
        also = await client.patch(
            f"{API}/departments/{slow_body['id']}", json={"description": "d"}, headers={"If-Match": 'W/"1"'}
        )
    assert (changed.status_code, changed.headers["etag"]) == (also.status_code, also.headers["etag"]) == (200, 'W/"2"')


async def test_the_token_endpoint_answers_as_fastapi_s(stack: Stack, client: httpx.AsyncClient) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for body, headers in [
        (b"", form),
        (b"grant_type=refresh_token", form),
        (b"grant_type=refresh_token&refresh_token=nope", form),
        (b"grant_type=password&username=a@b.c&password=wrong-password-here", form),
        (b"grant_type=magic", form),
        (b"grant_type=refresh_token&grant_type=password", form),
        (b'{"grant_type": "refresh_token"}', {"Content-Type": "application/json"}),
        (b"grant_type=refresh_token&refresh_token=x&client_secret=s", form),
    ]:
        await _both(stack, client, "POST", f"{API}/auth/token", content=body, headers=headers)
