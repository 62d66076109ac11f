"""Hidden, read-only and write-only fields over HTTP (a user's password hash, its change time and
its password), and how OpenAPI describes them and authentication."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.integration.accounts import AUTH, add_user
from tests.integration.conftest import (
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

LEAKS = ("password_hash", "$argon2", PASSWORD, ADMIN_PASSWORD, "new-Pa55word-x")


@pytest.fixture
async def recorded(backend: Any) -> AsyncIterator[tuple[httpx.AsyncClient, list[httpx.Response]]]:
    """The admin's client on an app with sign-up enabled, keeping every response it gets."""
    stack = build_stack(backend, allow_signup=True)
    seen: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        seen.append(response)

    async with serve(stack) as admin:
        admin.event_hooks["response"] = [keep]
        yield admin, seen


async def test_no_users_or_auth_response_ever_carries_a_password_or_its_hash(
    recorded: tuple[httpx.AsyncClient, list[httpx.Response]],
) -> None:
    admin, seen = recorded
    user = await add_user(admin, "scan@example.com", role="manager")
    url = f"{API}/users/{user['id']}"
    await admin.get(url)
    await admin.get(f"{API}/users", params={"count": "true"})
    await admin.get(f"{API}/users", params={"email__contains": "scan"})
    await admin.patch(url, json={"password": "new-Pa55word-x", "role": "employee"})
    await admin.put(url, json={"email": "scan2@example.com", "role": "manager", "password": PASSWORD})
    await admin.post(f"{AUTH}/register", json={"email": "self@example.com", "password": PASSWORD})
    tokens = await login(admin, "scan2@example.com", PASSWORD)
    await admin.post(f"{AUTH}/introspect", data={"token": tokens["refresh_token"]})
    await admin.get(f"{AUTH}/me")
    await admin.get(f"{AUTH}/sessions")
    changed = await admin.post(
        f"{AUTH}/password", json={"current_password": ADMIN_PASSWORD, "new_password": "new-Pa55word-x"}
    )
    admin.headers["Authorization"] = f"Bearer {changed.json()['access_token']}"
    await admin.post(f"{API}/users", json={"email": "bad", "password": PASSWORD})  # a 422 echoes nothing
    await admin.delete(url)

    assert len(seen) >= 13
    assert {r.status_code for r in seen} >= {200, 201, 204, 422}
    for response in seen:
        for leak in LEAKS:
            assert leak not in response.text, (response.request.url, leak)


async def test_read_only_and_hidden_fields_are_refused_in_bodies(client: httpx.AsyncClient) -> None:
    user = await add_user(client, "fields@example.com")
    url = f"{API}/users/{user['id']}"

    read_only = await client.patch(url, json={"password_changed_at": "2020-01-01T00:00:00Z"})
    hidden = await client.patch(url, json={"password_hash": "$argon2id$forged"})
    with_hash = {"email": "h@example.com", "password": PASSWORD, "password_hash": "x"}
    created = await client.post(f"{API}/users", json=with_hash)
    too_long = await client.patch(url, json={"password": "x" * 1025})
    no_password = await client.post(f"{API}/users", json={"email": "np@example.com"})

    body = assert_problem(read_only, 422, "invalid-input", field="password_changed_at")
    assert body["errors"] == [{"field": "password_changed_at", "message": "is read-only"}]
    body = assert_problem(hidden, 422, "invalid-input", field="password_hash")
    assert body["errors"] == [{"field": "password_hash", "message": "is not a field of this resource"}]
    assert_problem(created, 422, "invalid-input", field="password_hash")
    assert_problem(too_long, 422, "invalid-input", field="password")
    assert_problem(no_password, 422, "invalid-input", field="password")
    after = (await client.get(url)).json()
    assert after == user
    assert after["password_changed_at"] is not None


async def test_openapi_describes_user_fields_and_the_oauth2_scheme(memory_stack: Stack) -> None:
    async with memory_stack.client() as anonymous:
        document = (await anonymous.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]

    assert "password_hash" not in str(document)
    assert "password" not in schemas["User"]["properties"]
    assert "password_changed_at" in schemas["User"]["properties"]
    for model in ("UserInput", "UserPatch"):
        properties = schemas[model]["properties"]
        assert "password_changed_at" not in properties
        password = properties["password"]
        described = (password["type"], password["minLength"], password["maxLength"], password["format"])
        assert described == ("string", 8, 128, "password")  # the hasher's limits, in characters
        assert password["writeOnly"] is True
    scheme = document["components"]["securitySchemes"]["OAuth2"]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["password"]["tokenUrl"] == f"{API}/auth/token"
    assert "api" in scheme["flows"]["password"]["scopes"]

    token = document["paths"][f"{API}/auth/token"]["post"]
    form = token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["required"] == ["grant_type"]
    assert form["properties"]["grant_type"]["enum"] == ["password", "refresh_token", "authorization_code"]
    assert set(token["responses"]) >= {"200", "400", "401", "429"}
    assert "application/json" in token["responses"]["400"]["content"]
    assert set(token["responses"]["429"]["content"]) == {"application/json", "application/problem+json"}
    revoke = document["paths"][f"{API}/auth/revoke"]["post"]
    assert "application/x-www-form-urlencoded" in revoke["requestBody"]["content"]


@pytest.mark.parametrize(
    ("authorization", "client_id"),
    [(None, None), ("Basic Og==", None), ("Basic c3dhZ2dlci11aTo=", "swagger-ui")],  # "", ":", "swagger-ui:"
)
async def test_docs_authorize_works_with_what_swagger_ui_sends(
    memory_store: Any, authorization: str | None, client_id: str | None
) -> None:
    """Swagger UI's password flow posts the form with empty optional fields and, by default,
    `Authorization: Basic base64(client_id:)` with an empty secret: a public client, not
    client authentication."""
    stack = build_stack(memory_backend(memory_store))
    async with serve(stack) as admin, stack.client() as browser:
        await add_user(admin, "swagger@example.com")
        form = {"grant_type": "password", "username": "swagger@example.com", "password": PASSWORD, "scope": ""}
        headers = {"Authorization": authorization} if authorization else {}
        response = await browser.post(f"{AUTH}/token", data={**form, "client_secret": ""}, headers=headers)
        assert response.status_code == 200, response.text
        browser.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        sessions = (await browser.get(f"{AUTH}/sessions")).json()

    assert [s["client_id"] for s in sessions] == [client_id]
