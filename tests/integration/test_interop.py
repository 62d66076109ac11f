"""Independent implementations agree with ours over HTTP: PyJWT verifies our access tokens with
nothing but the published JWK set; authlib's OAuth 2.0 client logs in and refreshes."""

from __future__ import annotations

import warnings

import httpx
import jwt
from authlib.deprecate import AuthlibDeprecationWarning  # type: ignore[import-untyped]

from tests.integration.accounts import AUTH
from tests.integration.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, AUDIENCE, BASE_URL, ISSUER, Stack, login, serve

with warnings.catch_warnings():  # authlib >= 1.9 prefers the httpx2 fork and warns when it falls back to httpx
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]

CLAIMS = ["iss", "aud", "sub", "sid", "jti", "iat", "nbf", "exp", "scope", "role"]


async def test_pyjwt_verifies_our_access_token_from_the_published_jwks(stack: Stack, client: httpx.AsyncClient) -> None:
    tokens = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    me = (await client.get(f"{AUTH}/me")).json()
    jwks = (await client.get("/.well-known/jwks.json")).json()
    metadata = (await client.get("/.well-known/oauth-authorization-server")).json()

    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid))
    verified = jwt.decode(
        tokens["access_token"],
        key,
        algorithms=["EdDSA"],
        audience=AUDIENCE,
        issuer=metadata["issuer"],
        options={"require": CLAIMS},
    )

    assert verified["iss"] == ISSUER
    assert verified["sub"] == me["id"]
    assert verified["role"] == "admin"
    assert verified["scope"] == "api"
    assert verified["exp"] - verified["iat"] == tokens["expires_in"]


async def test_authlib_client_logs_in_refreshes_and_calls_the_api(stack: Stack) -> None:
    token_url = f"{BASE_URL}{AUTH}/token"
    async with serve(stack) as admin:  # starts the app and creates the admin
        oauth = AsyncOAuth2Client(
            client_id="authlib-interop",
            scope="api",
            token_endpoint=token_url,
            transport=httpx.ASGITransport(app=stack.app),
            base_url=BASE_URL,
        )
        async with oauth:
            first = await oauth.fetch_token(
                token_url, grant_type="password", username=ADMIN_EMAIL, password=ADMIN_PASSWORD
            )
            me = await oauth.get(f"{AUTH}/me")
            second = await oauth.refresh_token(token_url, refresh_token=first["refresh_token"])
            again = await oauth.get(f"{AUTH}/me")
        sessions = (await admin.get(f"{AUTH}/sessions")).json()

    assert first["token_type"] == "Bearer"
    assert me.status_code == 200
    assert me.json()["email"] == ADMIN_EMAIL
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert again.status_code == 200
    assert "authlib-interop" in [s["client_id"] for s in sessions]
