"""Revocation (RFC 7009), introspection (RFC 7662) and the discovery documents (JWKS, RFC 8414)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.integration.accounts import AUTH, add_user, assert_oauth_error, claims, refresh
from tests.integration.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ISSUER,
    PASSWORD,
    Stack,
    assert_problem,
    login,
)

REVOKE, INTROSPECT = f"{AUTH}/revoke", f"{AUTH}/introspect"


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
async def test_revoking_either_token_ends_the_session(stack: Stack, client: httpx.AsyncClient, which: str) -> None:
    tokens = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)

    async with stack.client() as anonymous:
        revoked = await anonymous.post(REVOKE, data={"token": tokens[which], "token_type_hint": which})

    assert revoked.status_code == 200
    assert revoked.content == b""
    assert revoked.headers["cache-control"] == "no-store"
    async with stack.client(tokens["access_token"]) as holder:
        assert (await holder.get(f"{AUTH}/me")).status_code == 401
    assert_oauth_error(await refresh(client, tokens["refresh_token"]), 400, "invalid_grant")
    assert "session.revoked" in stack.audit.names()


async def test_revoking_an_unknown_token_is_still_200(memory_stack: Stack, memory_client: httpx.AsyncClient) -> None:
    for form in ({"token": "never-issued"}, {"token": "x", "token_type_hint": "something_else"}):
        assert (await memory_client.post(REVOKE, data=form)).status_code == 200
    assert (await memory_client.get(f"{AUTH}/me")).status_code == 200


async def test_revocation_errors(memory_stack: Stack) -> None:
    async with memory_stack.client() as anonymous:
        missing = await anonymous.post(REVOKE, data={"token_type_hint": "access_token"})
        secret = await anonymous.post(REVOKE, data={"token": "t", "client_id": "web", "client_secret": "s"})
        json_body = await anonymous.post(REVOKE, json={"token": "t"})

    assert_oauth_error(missing, 400, "invalid_request")
    assert_oauth_error(secret, 401, "invalid_client")
    assert_oauth_error(json_body, 400, "invalid_request")


async def test_an_admin_introspects_access_and_refresh_tokens(stack: Stack, client: httpx.AsyncClient) -> None:
    user = await add_user(client, "intro@example.com", role="manager")
    tokens = await login(client, "intro@example.com", PASSWORD)
    issued = claims(tokens["access_token"])

    access = await client.post(INTROSPECT, data={"token": tokens["access_token"]})
    refresh_token = await client.post(INTROSPECT, data={"token": tokens["refresh_token"]})
    garbage = await client.post(INTROSPECT, data={"token": "garbage"})

    assert access.status_code == 200
    assert access.headers["cache-control"] == "no-store"
    assert access.json() == {
        "active": True,
        "token_type": "access_token",
        "sub": user["id"],
        "sid": issued["sid"],
        "role": "manager",
        "scope": "api",
        "exp": issued["exp"],
        "iat": issued["iat"],
    }
    body = refresh_token.json()
    assert (body["active"], body["token_type"], body["sub"], body["sid"]) == (
        True,
        "refresh_token",
        user["id"],
        issued["sid"],
    )
    assert body["exp"] > time.time() + 86_400
    assert garbage.json() == {"active": False}
    await refresh(client, tokens["refresh_token"])  # used: no longer active
    assert (await client.post(INTROSPECT, data={"token": tokens["refresh_token"]})).json() == {"active": False}


async def test_introspection_is_for_admins_with_a_token(stack: Stack, client: httpx.AsyncClient) -> None:
    await add_user(client, "curious@example.com")
    tokens = await login(client, "curious@example.com", PASSWORD)

    async with stack.client(tokens["access_token"]) as employee, stack.client() as anonymous:
        forbidden = await employee.post(INTROSPECT, data={"token": tokens["access_token"]})
        unauthenticated = await anonymous.post(INTROSPECT, data={"token": tokens["access_token"]})
    missing = await client.post(INTROSPECT, data={})

    assert_problem(forbidden, 403, "forbidden")
    assert_problem(unauthenticated, 401, "unauthenticated")
    assert_oauth_error(missing, 400, "invalid_request")


async def test_jwks_publishes_the_verification_keys_for_caching(memory_stack: Stack) -> None:
    async with memory_stack.client() as anonymous:
        response = await anonymous.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    keys = response.json()["keys"]
    assert keys == memory_stack.signer.jwks()["keys"]
    assert [(k["kty"], k["crv"], k["alg"], k["use"]) for k in keys] == [("OKP", "Ed25519", "EdDSA", "sig")]
    assert all("d" not in k for k in keys)


async def test_authorization_server_metadata(memory_stack: Stack) -> None:
    async with memory_stack.client() as anonymous:
        response = await anonymous.get("/.well-known/oauth-authorization-server")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    document = response.json()
    assert document["issuer"] == ISSUER
    assert document["token_endpoint"] == f"{ISSUER}{AUTH}/token"
    assert document["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert document["revocation_endpoint"] == f"{ISSUER}{REVOKE}"
    assert document["introspection_endpoint"] == f"{ISSUER}{INTROSPECT}"
    assert document["grant_types_supported"] == ["password", "refresh_token"]
    assert document["response_types_supported"] == []
    assert document["token_endpoint_auth_methods_supported"] == ["none"]
    assert document["scopes_supported"] == ["api"]
    async with memory_stack.client() as anonymous:
        for url in (document["jwks_uri"], document["service_documentation"]):
            assert (await anonymous.get(url.removeprefix(ISSUER))).status_code == 200
