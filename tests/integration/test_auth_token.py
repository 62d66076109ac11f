"""The token endpoint (RFC 6749) over HTTP: grants, every error code, lockout, enumeration,
refresh rotation, reuse detection and concurrent refreshes, on both storage adapters."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest

from adapters.memory import MemoryStore
from tests.integration.accounts import AUTH, FORM, add_user, assert_oauth_error, bearer, claims, password_grant, refresh
from tests.integration.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD,
    TOKEN,
    Stack,
    build_stack,
    login,
    make_settings,
    memory_backend,
    serve,
)


def assert_token_response(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body: dict[str, Any] = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "api"
    assert body["expires_in"] == 900
    return body


async def test_password_grant_issues_a_pair_that_opens_the_api(stack: Stack, client: httpx.AsyncClient) -> None:
    user = await add_user(client, "ann@example.com")

    async with stack.client() as anonymous:
        tokens = assert_token_response(await password_grant(anonymous, "  ANN@example.com ", PASSWORD, scope="api"))
        me = await anonymous.get(f"{AUTH}/me", headers=bearer(tokens["access_token"]))

    assert me.status_code == 200
    assert me.json()["id"] == user["id"]
    assert claims(tokens["access_token"])["sub"] == user["id"]
    assert "login.success" in stack.audit.names()


async def test_refresh_rotates_the_pair_in_the_same_session(stack: Stack, client: httpx.AsyncClient) -> None:
    first = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD, client_id="web")

    second = assert_token_response(await refresh(client, first["refresh_token"], client_id="web"))

    assert second["refresh_token"] != first["refresh_token"]
    assert claims(second["access_token"])["sid"] == claims(first["access_token"])["sid"]
    assert (await client.get(f"{AUTH}/me", headers=bearer(second["access_token"]))).status_code == 200
    other_client = await refresh(client, second["refresh_token"], client_id="mobile")
    assert_oauth_error(other_client, 400, "invalid_grant")


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "password", "password": PASSWORD}, "invalid_request"),
        ({"grant_type": "password", "username": ADMIN_EMAIL}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        (
            {"grant_type": "password", "username": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "scope": "admin"},
            "invalid_scope",
        ),
        ({"grant_type": "refresh_token", "refresh_token": "x" * 43, "scope": "api other"}, "invalid_scope"),
        ({"grant_type": "refresh_token", "refresh_token": "never-issued"}, "invalid_grant"),
        ({"grant_type": "password", "username": ADMIN_EMAIL, "password": "wrong-Pa55word"}, "invalid_grant"),
    ],
)
async def test_each_form_error_is_a_400_oauth_error(
    memory_stack: Stack, memory_client: httpx.AsyncClient, form: dict[str, str], error: str
) -> None:
    assert_oauth_error(await memory_client.post(TOKEN, data=form), 400, error)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"grant_type=password&grant_type=refresh_token", FORM),  # a parameter twice
        (b"grant_type=password&&username=a", FORM),  # not strict form syntax
        (b"grant_type=password&username=%ff", FORM),  # not UTF-8
        (b"&".join(b"p%d=1" % i for i in range(50)), FORM),  # too many fields
        (b'{"grant_type": "password"}', "application/json"),  # not a form: not a 415 here
        (b"grant_type=password", None),
    ],
)
async def test_a_malformed_request_is_invalid_request(
    memory_client: httpx.AsyncClient, content: bytes, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    assert_oauth_error(await memory_client.post(TOKEN, content=content, headers=headers), 400, "invalid_request")


@pytest.mark.parametrize(
    ("form", "headers"),
    [
        ({"client_id": "web", "client_secret": "s3cret"}, {}),
        ({}, {"Authorization": "Basic d2ViOnMzY3JldA=="}),  # web:s3cret
        ({}, {"Authorization": "Basic d2Vi"}),  # no colon
        ({}, {"Authorization": "Basic !!"}),  # not base64
        ({}, {"Authorization": "Digest username=web"}),
    ],
)
async def test_client_authentication_is_invalid_client(
    memory_stack: Stack, form: dict[str, str], headers: dict[str, str]
) -> None:
    data = {"grant_type": "password", "username": ADMIN_EMAIL, "password": ADMIN_PASSWORD, **form}
    async with memory_stack.client() as anonymous:
        response = await anonymous.post(TOKEN, data=data, headers=headers)

    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"] == 'Basic realm="upskill"'


async def test_an_unknown_email_and_a_wrong_password_answer_alike(stack: Stack, client: httpx.AsyncClient) -> None:
    await add_user(client, "known@example.com")

    unknown = await password_grant(client, "nobody@example.com", PASSWORD)
    wrong = await password_grant(client, "known@example.com", "wrong-Pa55word")

    assert unknown.status_code == wrong.status_code == 400
    assert unknown.headers["content-type"] == wrong.headers["content-type"]
    assert {**unknown.json(), "request_id": None} == {**wrong.json(), "request_id": None}


async def test_an_inactive_user_cannot_log_in(client: httpx.AsyncClient) -> None:
    user = await add_user(client, "gone@example.com")
    await client.patch(f"/api/v1/users/{user['id']}", json={"is_active": False})

    assert_oauth_error(await password_grant(client, "gone@example.com", PASSWORD), 400, "invalid_grant")


async def test_repeated_failures_lock_the_account_with_429_and_retry_after(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    await add_user(client, "target@example.com")
    for _ in range(3):  # the stack's lockout threshold
        assert_oauth_error(await password_grant(client, "target@example.com", "wrong-Pa55word"), 400, "invalid_grant")

    locked = await password_grant(client, "target@example.com", PASSWORD)  # even the right password

    body = assert_oauth_error(locked, 429, "invalid_grant")
    assert 1 <= int(locked.headers["retry-after"]) <= 60
    assert "try again later" in body["error_description"]
    assert "login.lockout" in stack.audit.names()
    stack.clock.advance(timedelta(seconds=61))
    assert_token_response(await password_grant(client, "target@example.com", PASSWORD))


async def test_reusing_a_refresh_token_after_the_grace_ends_the_session(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    first = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    second = assert_token_response(await refresh(client, first["refresh_token"]))

    early = await refresh(client, first["refresh_token"])  # within the grace: refused, session lives
    assert_oauth_error(early, 400, "invalid_grant")
    assert (await client.get(f"{AUTH}/me", headers=bearer(second["access_token"]))).status_code == 200
    stack.clock.advance(timedelta(seconds=11))
    assert_oauth_error(await refresh(client, first["refresh_token"]), 400, "invalid_grant")

    assert_oauth_error(await refresh(client, second["refresh_token"]), 400, "invalid_grant")
    assert (await client.get(f"{AUTH}/me", headers=bearer(second["access_token"]))).status_code == 401
    assert [e["session_id"] for e in stack.audit.of("refresh.reuse")] != []


async def test_two_concurrent_refreshes_of_one_token_let_exactly_one_win(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    tokens = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)

    responses = await asyncio.gather(*(refresh(client, tokens["refresh_token"]) for _ in range(2)))

    assert Counter(r.status_code for r in responses) == {200: 1, 400: 1}
    loser = next(r for r in responses if r.status_code == 400)
    assert_oauth_error(loser, 400, "invalid_grant")
    winner = next(r for r in responses if r.status_code == 200).json()
    assert_token_response(await refresh(client, winner["refresh_token"]))  # the session lives on


async def test_the_per_ip_limit_answers_429_problems_with_retry_after(memory_store: MemoryStore) -> None:
    settings = make_settings(token_rate_per_ip=0.01, token_burst_per_ip=3)
    limited = build_stack(memory_backend(memory_store), settings=settings)
    async with serve(limited, as_admin=False) as anonymous:
        answers = [
            await password_grant(anonymous, "a@example.com", PASSWORD),
            await anonymous.post(f"{AUTH}/revoke", data={"token": "x"}),
            await anonymous.post(f"{AUTH}/register", json={"email": "b@example.com", "password": PASSWORD}),
            await password_grant(anonymous, "a@example.com", PASSWORD),
        ]

    assert [a.status_code for a in answers] == [400, 200, 403, 429]
    assert answers[3].headers["content-type"] == "application/problem+json"
    assert answers[3].json()["type"] == "/problems/rate-limited"
    assert int(answers[3].headers["retry-after"]) == 100
    assert answers[3].headers["cache-control"] == "no-store"
