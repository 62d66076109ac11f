"""Bearer authentication over HTTP: which routes need a token, the two 401 challenges, and the
JWT attack set (each refused with `error="invalid_token"` and nothing said about why)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import pytest

from adapters.http.auth import CHALLENGE, INVALID_TOKEN, REFUSED_DETAIL
from adapters.security.keys import SigningKeys
from adapters.security.tokens import JoseTokenSigner
from tests.integration.accounts import AUTH, add_user, claims, password_grant
from tests.integration.conftest import ADMIN_EMAIL, API, AUDIENCE, ISSUER, PASSWORD, Stack, assert_problem, login, serve
from tests.unit.security.forge import FrozenClock, b64, forge, segments, valid_claims

PUBLIC_API = {f"{AUTH}/token", f"{AUTH}/register", f"{AUTH}/revoke"}


def assert_refused(response: httpx.Response) -> None:
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == INVALID_TOKEN
    assert response.json()["detail"] == REFUSED_DETAIL


async def test_every_api_route_but_three_needs_a_token_and_says_so_in_openapi(stack: Stack) -> None:
    checked = 0
    async with serve(stack, as_admin=False) as anonymous:
        document = (await anonymous.get("/openapi.json")).json()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                protected = path.startswith(API) and path not in PUBLIC_API
                assert operation["security"] == ([{"OAuth2": []}] if protected else []), (method, path)
                if not protected:
                    continue
                response = await anonymous.request(method, path.replace("{id}", str(uuid.uuid4())), json={})
                assert_problem(response, 401, "unauthenticated")
                assert response.headers["www-authenticate"] == CHALLENGE, (method, path)
                checked += 1
    # CRUD and history of ten collections; me, logout, sessions (3), password, introspect; five
    # domain routes (coverage, competencies, gaps, recommendations, matrix); validate, reject,
    # plans from gaps; the events feed
    assert checked == 10 * 7 + 7 + 5 + 3 + 1


async def test_public_routes_need_no_token(memory_stack: Stack, memory_client: httpx.AsyncClient) -> None:
    async with memory_stack.client() as anonymous:
        for path in ("/health/live", "/.well-known/jwks.json", "/.well-known/oauth-authorization-server"):
            assert (await anonymous.get(path)).status_code == 200, path
        assert (await anonymous.get("/problems/unauthenticated")).status_code == 200
        assert (await anonymous.get("/openapi.json")).status_code == 200
        assert (await anonymous.get("/docs")).status_code == 200
        assert (await anonymous.post(f"{AUTH}/revoke", data={"token": "t"})).status_code == 200


@pytest.mark.parametrize(
    ("authorization", "challenge"),
    [
        (None, CHALLENGE),  # no credentials: no error code (RFC 6750 §3.1)
        ("Basic YTpi", CHALLENGE),
        ("Token abc", CHALLENGE),
        ("Bearer", INVALID_TOKEN),  # the scheme without a token
        ("bearer    ", INVALID_TOKEN),
    ],
)
async def test_the_challenge_says_invalid_token_only_for_a_bearer_attempt(
    memory_stack: Stack, authorization: str | None, challenge: str
) -> None:
    async with memory_stack.client() as anonymous:
        response = await anonymous.get(f"{AUTH}/me", headers={"Authorization": authorization} if authorization else {})

    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == challenge


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "x" * 5000, "ä.b.c", "abc def"])
async def test_garbage_is_an_invalid_token(memory_stack: Stack, token: str) -> None:
    async with memory_stack.client() as anonymous:
        response = await anonymous.get(f"{AUTH}/me", headers=[(b"Authorization", f"Bearer {token}".encode())])

    assert_refused(response)


Mint = Callable[[Stack, str], str]
"""From the stack and a genuine access token of a live session: a token that must be refused."""


def _shifted(delta: timedelta, **options: str) -> Mint:
    def mint(stack: Stack, genuine: str) -> str:
        payload = claims(genuine)
        clock = FrozenClock(stack.clock.now() + delta)
        signer = JoseTokenSigner(
            stack.keys,
            issuer=options.get("issuer", ISSUER),
            audience=options.get("audience", AUDIENCE),
            clock=clock,
        )
        return signer.issue(uuid.UUID(payload["sub"]), uuid.UUID(payload["sid"]), payload["role"], "api")[0]

    return mint


def _unknown_key(stack: Stack, genuine: str) -> str:
    payload = claims(genuine)
    signer = JoseTokenSigner(SigningKeys.generate(), issuer=ISSUER, audience=AUDIENCE, clock=stack.clock)
    return signer.issue(uuid.UUID(payload["sub"]), uuid.UUID(payload["sid"]), "admin", "api")[0]


def _alg_none(stack: Stack, genuine: str) -> str:
    header, payload, _ = segments(genuine)
    return forge({**header, "alg": "none"}, payload, None)


def _hs256_with_public_key(stack: Stack, genuine: str) -> str:
    header, payload, _ = segments(genuine)
    jwk = stack.keys.jwks()["keys"][0]  # type: ignore[index]
    secret = json.dumps(jwk).encode()

    def sign(data: bytes) -> bytes:
        return hmac.new(secret, data, hashlib.sha256).digest()

    return forge({**header, "alg": "HS256"}, payload, sign)


def _hs256_with_raw_public_key(stack: Stack, genuine: str) -> str:
    header, payload, _ = segments(genuine)
    raw = stack.keys.active.key.public_key.public_bytes_raw()  # type: ignore[union-attr]

    def sign(data: bytes) -> bytes:
        return hmac.new(raw, data, hashlib.sha256).digest()

    return forge({**header, "alg": "HS256"}, payload, sign)


def _tampered(stack: Stack, genuine: str) -> str:
    head, _, signature = genuine.split(".")
    payload = {**claims(genuine), "role": "admin", "sub": str(uuid.uuid4())}
    return f"{head}.{b64(json.dumps(payload).encode())}.{signature}"


def _forged_claims(stack: Stack, genuine: str) -> str:
    header = segments(genuine)[0]
    return forge(header, valid_claims(issuer=ISSUER, audience=AUDIENCE, now=datetime.now()), None)


ATTACKS: dict[str, Mint] = {
    "expired": _shifted(-timedelta(minutes=16)),
    "not yet valid": _shifted(timedelta(minutes=5)),
    "wrong audience": _shifted(timedelta(0), audience="another-api"),
    "wrong issuer": _shifted(timedelta(0), issuer="https://evil.example"),
    "unknown kid": _unknown_key,
    "alg none": _alg_none,
    "HS256 keyed with the public JWK": _hs256_with_public_key,
    "HS256 keyed with the raw public key": _hs256_with_raw_public_key,
    "tampered payload": _tampered,
    "unsigned forged claims": _forged_claims,
}


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_each_forged_or_mismatched_token_is_refused(stack: Stack, client: httpx.AsyncClient, attack: str) -> None:
    genuine = client.headers["Authorization"].removeprefix("Bearer ")
    control = _shifted(timedelta(0))(stack, genuine)  # the same minting, untouched: accepted
    assert (await client.get(f"{AUTH}/me", headers={"Authorization": f"Bearer {control}"})).status_code == 200

    async with stack.client(ATTACKS[attack](stack, genuine)) as attacker:
        assert_refused(await attacker.get(f"{AUTH}/me"))
        assert_refused(await attacker.get(f"{API}/users"))


async def test_a_revoked_session_refuses_its_tokens_at_once(stack: Stack, client: httpx.AsyncClient) -> None:
    tokens = await login(client, ADMIN_EMAIL, "admin-Pa55word-for-tests")
    async with stack.client(tokens["access_token"]) as session:
        assert (await session.post(f"{AUTH}/logout")).status_code == 204
        assert_refused(await session.get(f"{AUTH}/me"))


async def test_a_deactivated_user_is_refused_at_once(stack: Stack, client: httpx.AsyncClient) -> None:
    user = await add_user(client, "leaver@example.com")
    token = (await password_grant(client, "leaver@example.com", PASSWORD)).json()["access_token"]
    async with stack.client(token) as leaver:
        assert (await leaver.get(f"{AUTH}/me")).status_code == 200
        await client.patch(f"{API}/users/{user['id']}", json={"is_active": False})
        assert_refused(await leaver.get(f"{AUTH}/me"))


async def test_a_token_issued_before_the_password_change_is_refused(stack: Stack, client: httpx.AsyncClient) -> None:
    user = await add_user(client, "changer@example.com")
    stack.clock.advance(timedelta(seconds=5))
    changed = await client.patch(f"{API}/users/{user['id']}", json={"password": "new-Pa55word-for-tests"})
    assert changed.status_code == 200
    fresh = (await password_grant(client, "changer@example.com", "new-Pa55word-for-tests")).json()["access_token"]

    older = _shifted(timedelta(seconds=-3))(stack, fresh)  # same live session, iat before the change

    async with stack.client(fresh) as current, stack.client(older) as stale:
        assert (await current.get(f"{AUTH}/me")).status_code == 200
        assert_refused(await stale.get(f"{AUTH}/me"))
