"""Users and tokens for the authentication tests, made through the API as the admin."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.conftest import API, PASSWORD, TOKEN, login
from tests.unit.security.forge import segments

AUTH = f"{API}/auth"
FORM = "application/x-www-form-urlencoded"


async def add_user(
    admin: httpx.AsyncClient,
    email: str,
    *,
    role: str = "employee",
    employee_id: str | None = None,
    password: str = PASSWORD,
) -> dict[str, Any]:
    """A user created by the admin through `POST /users`; its JSON."""
    body = {"email": email, "password": password, "role": role, "employee_id": employee_id}
    response = await admin.post(f"{API}/users", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def access_token(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    token: str = (await login(client, email, password))["access_token"]
    return token


def claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified."""
    return segments(token)[1]


async def refresh(client: httpx.AsyncClient, refresh_token: str, **form: str) -> httpx.Response:
    return await client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token, **form})


async def password_grant(client: httpx.AsyncClient, email: str, password: str, **form: str) -> httpx.Response:
    return await client.post(TOKEN, data={"grant_type": "password", "username": email, "password": password, **form})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    """An RFC 6749 §5.2 error body, not cacheable, with the request id."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body: dict[str, Any] = response.json()
    assert body["error"] == error, body
    assert isinstance(body["error_description"], str)
    assert body["request_id"] == response.headers["x-request-id"]
    return body
