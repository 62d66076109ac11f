"""Attacks on company sign-in, each refused with nothing created: state, callback code and app
code replays, redirect URIs that only look allowed, PKCE missing or wrong, codes of another
client, and (from the forging provider) ID tokens with a wrong nonce, audience or issuer,
expired, unsigned or signed with a key not in the provider's JWKS."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.integration.conftest import ISSUER, Backend, Stack, assert_problem
from tests.sso.conftest import (
    APP,
    OTHER_APP,
    Browser,
    Pkce,
    app_params,
    authorize_url,
    exchange,
    forge_stack,
    node_stack,
)
from tests.sso.forge import ForgingProvider
from upskill.domain.identity import User

CALLBACK = f"{ISSUER}/api/v1/auth/oidc/callback"


async def _users(stack: Stack) -> int:
    assert stack.uow is not None
    async with stack.uow() as uow:
        return await uow.repository(User).count()


async def _sessions_of_all(stack: Stack) -> int:
    assert stack.uow is not None
    async with stack.uow() as uow:
        users = [await uow.identity.user_by_email(e) for e in ("alice@example.com", "forged@example.com")]
        counted = 0
        for user in users:
            if user is not None:
                counted += len(await uow.identity.live_sessions(user.id, stack.clock.now()))
        return counted


async def _to_callback(browser: Browser, pkce: Pkce, *, login: str = "alice") -> httpx.URL:
    """Go through the provider's login until it sends the browser to our callback; its URL."""
    response = await browser.go(authorize_url(pkce), login=login, until=CALLBACK)
    return response.url.join(response.headers["location"])


# -- state ---------------------------------------------------------------------------------------


async def test_a_wrong_state_is_refused(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    browser = Browser(stack)
    callback = await _to_callback(browser, Pkce())
    forged = callback.copy_set_param("state", "not-the-state-we-sent")
    response = await browser.http.get(forged)
    await browser.aclose()
    assert_problem(response, 400, "bad-request")
    assert await _users(stack) == 0


async def test_a_replayed_callback_is_refused(backend: Backend, node_issuer: str) -> None:
    """The same state and provider code again (a replayed or leaked callback URL)."""
    stack = node_stack(backend, node_issuer)
    browser = Browser(stack)
    pkce = Pkce()
    callback = await _to_callback(browser, pkce)
    first = await browser.http.get(callback)
    second = await browser.http.get(callback)
    await browser.aclose()
    assert "code" in app_params(first)
    assert_problem(second, 400, "bad-request")
    assert await _users(stack) == 1
    assert stack.audit.names().count("sso.login") == 1


async def test_a_replayed_provider_code_with_a_fresh_state_is_refused(backend: Backend, node_issuer: str) -> None:
    """The provider's code of a finished login, pasted into another pending login: the
    provider refuses it (its code is single use and bound to our PKCE verifier)."""
    stack = node_stack(backend, node_issuer)
    browser = Browser(stack)
    used = await _to_callback(browser, Pkce())
    assert "code" in app_params(await browser.http.get(used))
    fresh = await _to_callback(browser, Pkce())
    spliced = fresh.copy_set_param("code", used.params["code"])
    response = await browser.http.get(spliced)
    await browser.aclose()
    assert app_params(response)["error"] == "access_denied"
    assert stack.audit.of("sso.failure")[-1]["reason"].startswith("token endpoint")


async def test_a_callback_without_state_is_refused(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    async with stack.client() as anonymous:
        response = await anonymous.get("/api/v1/auth/oidc/callback", params={"code": "x"})
    assert_problem(response, 400, "bad-request")


async def test_a_pending_login_expires(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    browser = Browser(stack)
    callback = await _to_callback(browser, Pkce())
    stack.clock.advance(timedelta(minutes=11))
    response = await browser.http.get(callback)
    await browser.aclose()
    assert_problem(response, 400, "bad-request")
    assert await _users(stack) == 0


# -- the app's authorization request ----------------------------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://app.example.com/callbac",  # a prefix
        "https://app.example.com/callback/evil",  # the allowed one as a prefix
        "https://app.example.com/callback?x=1",
        "https://app.example.com.evil.test/callback",  # a look-alike host
        "https://APP.example.com/callback",
        "http://app.example.com/callback",
        "https://app.example.com/callback#",
        "https://\u0430pp.example.com/callback",  # a Cyrillic a
        None,
    ],
)
async def test_a_redirect_uri_that_is_not_exactly_registered_is_never_redirected_to(
    backend: Backend, node_issuer: str, redirect_uri: str | None
) -> None:
    stack = node_stack(backend, node_issuer)
    pkce = Pkce()
    params = dict(authorize_url(pkce).params)
    if redirect_uri is None:
        del params["redirect_uri"]
    else:
        params["redirect_uri"] = redirect_uri
    async with stack.client() as browser:
        response = await browser.get("/api/v1/auth/authorize", params=params)
    assert_problem(response, 400, "bad-request")
    assert "location" not in response.headers


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "admin"}, "invalid_scope"),
    ],
)
async def test_a_bad_authorization_request_goes_back_to_the_app_with_an_error(
    backend: Backend, node_issuer: str, change: dict[str, str | None], error: str
) -> None:
    stack = node_stack(backend, node_issuer)
    params = {**dict(authorize_url(Pkce(), state="s-9").params), **change}
    async with stack.client() as browser:
        response = await browser.get("/api/v1/auth/authorize", params={k: v for k, v in params.items() if v})
    assert response.status_code == 302
    assert response.headers["location"].startswith(APP + "?")
    back = app_params(response)
    assert back["error"] == error
    assert back["state"] == "s-9"


async def test_a_repeated_parameter_is_refused(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    url = str(authorize_url(Pkce())) + "&redirect_uri=" + httpx.QueryParams({"x": OTHER_APP})["x"]
    async with stack.client() as browser:
        response = await browser.get(url)
    assert_problem(response, 400, "bad-request")


# -- the app's code ------------------------------------------------------------------------------


async def _app_code(stack: Stack, pkce: Pkce, redirect_uri: str = APP) -> str:
    browser = Browser(stack)
    try:
        response = await browser.go(authorize_url(pkce, redirect_uri=redirect_uri), until=redirect_uri)
    finally:
        await browser.aclose()
    return app_params(response)["code"]


@pytest.mark.parametrize(
    "change",
    [
        {"code_verifier": None},
        {"code_verifier": Pkce().verifier},  # another verifier
        {"client_id": "another-app"},
        {"client_id": None},
        {"redirect_uri": OTHER_APP},  # registered too, but not the one of this code
        {"redirect_uri": None},
    ],
)
async def test_a_code_with_the_wrong_verifier_client_or_redirect_uri_is_refused_and_spent(
    backend: Backend, node_issuer: str, change: dict[str, str | None]
) -> None:
    stack = node_stack(backend, node_issuer)
    pkce = Pkce()
    code = await _app_code(stack, pkce)
    refused = await exchange(stack, code, pkce, **{k: v or "" for k, v in change.items()})
    assert refused.status_code == 400
    assert refused.json()["error"] in {"invalid_grant", "invalid_request"}
    if refused.json()["error"] == "invalid_grant":  # a well-formed attempt spends the code
        assert (await exchange(stack, code, pkce)).json()["error"] == "invalid_grant"
    else:
        assert (await exchange(stack, code, pkce)).status_code == 200
    assert await _sessions_of_all(stack) <= 1


async def test_a_code_used_twice_ends_the_session_of_its_first_use(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    pkce = Pkce()
    code = await _app_code(stack, pkce)
    first = await exchange(stack, code, pkce)
    second = await exchange(stack, code, pkce)
    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    async with stack.client(first.json()["access_token"]) as holder:
        assert (await holder.get("/api/v1/auth/me")).status_code == 401
    async with stack.client() as anonymous:
        refresh = await anonymous.post(
            "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]}
        )
    assert refresh.json()["error"] == "invalid_grant"
    assert "authorization_code.reuse" in stack.audit.names()


async def test_a_code_expires_after_a_minute(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    pkce = Pkce()
    code = await _app_code(stack, pkce)
    stack.clock.advance(timedelta(seconds=61))
    assert (await exchange(stack, code, pkce)).json()["error"] == "invalid_grant"
    assert await _sessions_of_all(stack) == 0


async def test_an_invented_code_is_refused(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    assert (await exchange(stack, "invented", Pkce())).json()["error"] == "invalid_grant"


# -- forged ID tokens ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [
        ("wrong_nonce", "ID token: invalid_claim"),
        ("no_nonce", "ID token: missing_claim"),
        ("wrong_aud", "ID token: invalid_claim"),
        ("wrong_iss", "ID token: invalid_claim"),
        ("expired", "ID token: expired_token"),
        ("alg_none", "ID token"),
        ("unknown_key", "ID token"),
    ],
)
async def test_a_forged_id_token_is_refused_with_nothing_created(
    backend: Backend, forge: ForgingProvider, scenario: str, reason: str
) -> None:
    forge.scenario = scenario
    stack = forge_stack(backend, forge)
    browser = Browser(stack)
    try:
        response = await browser.go(authorize_url(Pkce(), state="s-f"))
    finally:
        await browser.aclose()
        forge.scenario = "valid"
    assert app_params(response) == {
        "error": "access_denied",
        "error_description": "The sign-in could not be verified.",
        "state": "s-f",
    }
    assert await _users(stack) == 0
    assert str(stack.audit.of("sso.failure")[-1]["reason"]).startswith(reason)


async def test_a_valid_forge_token_passes_so_the_refusals_above_mean_something(
    backend: Backend, forge: ForgingProvider
) -> None:
    stack = forge_stack(backend, forge)
    pkce = Pkce()
    browser = Browser(stack)
    try:
        response = await browser.go(authorize_url(pkce))
    finally:
        await browser.aclose()
    assert (await exchange(stack, app_params(response)["code"], pkce)).status_code == 200


async def test_a_new_signing_key_is_fetched_once_on_its_unknown_kid(backend: Backend, forge: ForgingProvider) -> None:
    stack = forge_stack(backend, forge)
    forge.published = [forge.key]
    browser = Browser(stack)
    try:
        assert "code" in app_params(await browser.go(authorize_url(Pkce())))  # the key set is now cached
        fetches = forge.jwks_fetches
        assert "code" in app_params(await browser.go(authorize_url(Pkce())))
        assert forge.jwks_fetches == fetches  # the same kid: no fetch
        forge.scenario = "rotated"  # signs with a key it publishes only now
        assert "code" in app_params(await browser.go(authorize_url(Pkce())))
    finally:
        await browser.aclose()
        forge.scenario, forge.published = "valid", [forge.key]
    assert forge.jwks_fetches == fetches + 1


async def test_an_email_outside_the_allowed_domains_is_refused(backend: Backend, forge: ForgingProvider) -> None:
    stack = forge_stack(backend, forge, email_domains=frozenset({"corp.example"}))
    browser = Browser(stack)
    try:
        refused = app_params(await browser.go(authorize_url(Pkce())))
        forge.email = "someone@corp.example"
        admitted = app_params(await browser.go(authorize_url(Pkce())))
        forge.email, forge.email_verified = "other@corp.example", False
        unverified = app_params(await browser.go(authorize_url(Pkce())))
    finally:
        await browser.aclose()
        forge.email, forge.email_verified = "forged@example.com", True
    assert refused["error"] == "access_denied"
    assert "code" in admitted
    assert unverified["error"] == "access_denied"
    assert stack.audit.of("sso.failure")[0]["reason"] == "email domain not allowed"
