"""Company sign-in as `upskill serve` wires it: settings → container → app, against panva's
oidc-provider, with the SSO events counted in /metrics."""

from __future__ import annotations

from pathlib import Path

import pytest
from dependency_injector import providers
from pydantic import SecretStr

from adapters.container import Container
from adapters.main import build_app
from adapters.settings import Settings
from tests.integration.conftest import AUDIENCE, ISSUER, TOKEN
from tests.sso.conftest import APP, NODE_CLIENT_ID, NODE_CLIENT_SECRET, Browser, Pkce, app_params, authorize_url


def _container(tmp_path: Path, **settings: object) -> Container:
    built = Container()
    built.settings.override(
        providers.Object(
            Settings(
                _env_file=None,
                env="test",
                storage="memory",
                data_dir=tmp_path,
                issuer=ISSUER,
                audience=AUDIENCE,
                token_burst_per_ip=10_000,
                argon2_memory_kib=1024,
                argon2_time_cost=1,
                **settings,
            )
        )
    )
    return built


async def test_the_served_app_signs_in_through_the_configured_provider(
    tmp_path: Path, node_issuer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("adapters.main.configure_logging", lambda _: None)  # keep the test run's log sinks
    container = _container(
        tmp_path,
        oidc_issuer=node_issuer,
        oidc_client_id=NODE_CLIENT_ID,
        oidc_client_secret=SecretStr(NODE_CLIENT_SECRET),
        oidc_auto_provision=True,
        oidc_role_claim="groups",
        oidc_admin_values=["admins"],
        oauth_redirect_uris=[APP],
        password_login=False,
    )
    app = build_app(container)
    pkce = Pkce()
    async with app.router.lifespan_context(app):
        browser = Browser(app)
        try:
            code = app_params(await browser.go(authorize_url(pkce), login="root"))["code"]
            form = {"grant_type": "authorization_code", "code": code, "redirect_uri": APP}
            tokens = await browser.http.post(
                f"{ISSUER}{TOKEN}", data={**form, "client_id": "web", "code_verifier": pkce.verifier}
            )
            me = await browser.http.get(
                f"{ISSUER}/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"}
            )
            password = await browser.http.post(
                f"{ISSUER}{TOKEN}", data={"grant_type": "password", "username": "root@example.com", "password": "x"}
            )
            metrics = (await browser.http.get(f"{ISSUER}/metrics")).text
        finally:
            await browser.aclose()
    assert tokens.status_code == 200, tokens.text
    assert (me.json()["role"], me.json()["auth_methods"]) == ("admin", ["oidc"])
    assert password.json()["error"] == "unsupported_grant_type"
    assert 'upskill_auth_events_total{event="sso.login"} 1.0' in metrics
    assert 'upskill_auth_events_total{event="sso.provisioned"} 1.0' in metrics


def test_without_an_issuer_there_is_no_sign_in_service(tmp_path: Path) -> None:
    assert _container(tmp_path).sign_in() is None


def test_an_issuer_without_client_credentials_stops_the_start() -> None:
    with pytest.raises(ValueError, match="UPSKILL_OIDC_CLIENT_ID"):
        Settings(_env_file=None, oidc_issuer="https://idp.example.com")
