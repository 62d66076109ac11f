"""The caller's own account over HTTP: sign-up, me, logout, sessions and password change."""

from __future__ import annotations

import uuid

import httpx

from adapters.memory import MemoryStore
from tests.integration.accounts import AUTH, add_user, assert_oauth_error, bearer, password_grant
from tests.integration.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    API,
    PASSWORD,
    Stack,
    assert_problem,
    build_stack,
    login,
    memory_backend,
    serve,
)

NEW_PASSWORD = "brand-new-Pa55word"


async def test_sign_up_is_refused_unless_enabled(memory_stack: Stack, memory_client: httpx.AsyncClient) -> None:
    response = await memory_client.post(f"{AUTH}/register", json={"email": "new@example.com", "password": PASSWORD})

    assert_problem(response, 403, "forbidden")
    assert_oauth_error(await password_grant(memory_client, "new@example.com", PASSWORD), 400, "invalid_grant")


async def test_sign_up_makes_an_employee_who_can_log_in(memory_store: MemoryStore) -> None:
    async with serve(build_stack(memory_backend(memory_store), allow_signup=True), as_admin=False) as anonymous:
        created = await anonymous.post(f"{AUTH}/register", json={"email": " New@Example.com", "password": PASSWORD})
        tokens = await login(anonymous, "new@example.com", PASSWORD)
        me = await anonymous.get(f"{AUTH}/me", headers=bearer(tokens["access_token"]))
        again = await anonymous.post(f"{AUTH}/register", json={"email": "new@example.com", "password": PASSWORD})
        weak = await anonymous.post(f"{AUTH}/register", json={"email": "weak@example.com", "password": "short"})
        role = await anonymous.post(
            f"{AUTH}/register", json={"email": "boss@example.com", "password": PASSWORD, "role": "admin"}
        )
        form = await anonymous.post(f"{AUTH}/register", data={"email": "f@example.com", "password": PASSWORD})

    assert created.status_code == 201, created.text
    user = created.json()
    assert (user["email"], user["role"], user["is_active"]) == ("new@example.com", "employee", True)
    assert not {"password", "password_hash"} & user.keys()
    assert created.headers["location"] == f"{API}/users/{user['id']}"
    assert created.headers["cache-control"] == "no-store"
    assert me.json() == user
    assert_problem(again, 409, "conflict")
    assert_problem(weak, 422, "invalid-input", field="password")
    assert_problem(role, 422, "invalid-input", field="role")
    assert_problem(form, 415, "unsupported-media-type")


async def test_me_is_the_callers_user_and_not_cacheable(stack: Stack, client: httpx.AsyncClient) -> None:
    me = await client.get(f"{AUTH}/me")

    assert me.status_code == 200
    assert me.json()["email"] == ADMIN_EMAIL
    assert me.json()["role"] == "admin"
    assert me.headers["cache-control"] == "no-store"
    assert me.headers["pragma"] == "no-cache"


async def test_logout_ends_only_this_session(stack: Stack, client: httpx.AsyncClient) -> None:
    other = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    async with stack.client(other["access_token"]) as second:
        logout = await second.post(f"{AUTH}/logout")
        after = await second.get(f"{AUTH}/me")

    assert logout.status_code == 204
    assert after.status_code == 401
    assert (await client.get(f"{AUTH}/me")).status_code == 200
    refused = await client.post(f"{API}/auth/token", data={"grant_type": "refresh_token", **_rt(other)})
    assert_oauth_error(refused, 400, "invalid_grant")


def _rt(tokens: dict[str, str]) -> dict[str, str]:
    return {"refresh_token": tokens["refresh_token"]}


async def test_sessions_are_listed_ended_one_by_one_or_all_but_this(stack: Stack, client: httpx.AsyncClient) -> None:
    await login(client, ADMIN_EMAIL, ADMIN_PASSWORD, client_id="mobile")
    await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    user = await add_user(client, "someone@example.com")
    theirs = await login(client, "someone@example.com", PASSWORD)

    listed = await client.get(f"{AUTH}/sessions")
    assert listed.status_code == 200
    assert listed.headers["cache-control"] == "no-store"
    sessions = listed.json()
    assert len(sessions) == 3
    assert [s["current"] for s in sessions].count(True) == 1
    assert set(sessions[0]) == {"id", "client_id", "created_at", "last_used_at", "expires_at", "auth_method", "current"}
    assert sessions[0]["auth_method"] == "password"
    assert "mobile" in [s["client_id"] for s in sessions]
    other = next(s for s in sessions if not s["current"])

    assert (await client.delete(f"{AUTH}/sessions/{other['id']}")).status_code == 204
    assert_problem(await client.delete(f"{AUTH}/sessions/{uuid.uuid4()}"), 404, "not-found")
    async with stack.client(theirs["access_token"]) as someone:
        their_session = (await someone.get(f"{AUTH}/sessions")).json()[0]["id"]
        assert (await someone.get(f"{AUTH}/me")).json()["id"] == user["id"]
    assert_problem(await client.delete(f"{AUTH}/sessions/{their_session}"), 404, "not-found")
    assert len((await client.get(f"{AUTH}/sessions")).json()) == 2

    ended = await client.delete(f"{AUTH}/sessions")
    assert (ended.status_code, ended.json()) == (200, {"ended": 1})
    assert [s["current"] for s in (await client.get(f"{AUTH}/sessions")).json()] == [True]
    async with stack.client(theirs["access_token"]) as someone:
        assert (await someone.get(f"{AUTH}/me")).status_code == 200  # another user's sessions are untouched


async def test_password_change_ends_every_session_and_answers_a_new_pair(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    await add_user(client, "mover@example.com")
    first = await login(client, "mover@example.com", PASSWORD)
    second = await login(client, "mover@example.com", PASSWORD)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}

    async with stack.client(first["access_token"]) as mover:
        changed = await mover.post(f"{AUTH}/password", json=body)
        still = await mover.get(f"{AUTH}/me")

    assert changed.status_code == 200, changed.text
    assert changed.headers["cache-control"] == "no-store"
    assert changed.headers["pragma"] == "no-cache"
    fresh = changed.json()
    assert fresh["token_type"] == "Bearer"
    assert still.status_code == 401
    async with stack.client(second["access_token"]) as other, stack.client(fresh["access_token"]) as new:
        assert (await other.get(f"{AUTH}/me")).status_code == 401
        assert (await new.get(f"{AUTH}/me")).status_code == 200
        assert len((await new.get(f"{AUTH}/sessions")).json()) == 1
    assert_oauth_error(await password_grant(client, "mover@example.com", PASSWORD), 400, "invalid_grant")
    await login(client, "mover@example.com", NEW_PASSWORD)
    assert "user.password_changed" in stack.audit.names()


async def test_password_change_refuses_a_wrong_current_or_weak_new_password(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    wrong = await client.post(
        f"{AUTH}/password", json={"current_password": "nope-Pa55word", "new_password": NEW_PASSWORD}
    )
    weak = await client.post(f"{AUTH}/password", json={"current_password": ADMIN_PASSWORD, "new_password": "short"})
    extra = await client.post(
        f"{AUTH}/password", json={"current_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD, "email": "x"}
    )

    assert_problem(wrong, 422, "invalid-input", field="current_password")
    assert_problem(weak, 422, "invalid-input", field="new_password")
    assert_problem(extra, 422, "invalid-input", field="email")
    assert (await client.get(f"{AUTH}/me")).status_code == 200
    await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)


async def test_repeated_wrong_current_passwords_lock_with_429(stack: Stack, client: httpx.AsyncClient) -> None:
    body = {"current_password": "nope-Pa55word", "new_password": NEW_PASSWORD}
    for _ in range(3):
        assert_problem(await client.post(f"{AUTH}/password", json=body), 422, "invalid-input")

    locked = await client.post(f"{AUTH}/password", json={**body, "current_password": ADMIN_PASSWORD})

    assert_problem(locked, 429, "rate-limited")
    assert int(locked.headers["retry-after"]) >= 1
