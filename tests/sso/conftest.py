"""Company sign-in against real OpenID providers on loopback: panva's `oidc-provider` (node,
installed with npm from `tests/sso/package.json` by the tests themselves) and a forging provider
of our own. Without `node`/`npm` the tests that need oidc-provider are skipped, saying why; CI
(`.ci/run`) installs node so that they run there."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from adapters.oidc.provider import AuthlibIdentityProvider
from tests.integration.conftest import ISSUER, Backend, Stack, build_stack, memory_backend, pg_backend
from tests.sso.forge import CLIENT_ID as FORGE_CLIENT_ID
from tests.sso.forge import CLIENT_SECRET as FORGE_CLIENT_SECRET
from tests.sso.forge import ForgingProvider
from upskill.services.signin import SignInPolicy

HERE = Path(__file__).parent
APP = "https://app.example.com/callback"
OTHER_APP = "http://localhost:5173/callback"
CALLBACK = f"{ISSUER}/api/v1/auth/oidc/callback"
NODE_CLIENT_ID, NODE_CLIENT_SECRET = "upskill", "upskill-test-client-secret"


def free_port(first: int, last: int) -> int:
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


MIN_NODE = 20


def _unavailable(reason: str) -> None:
    """Skip, unless SSO_TESTS_REQUIRED is set (CI): then fail, so the suite is never skipped there."""
    if os.environ.get("SSO_TESTS_REQUIRED"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def node_issuer() -> Iterator[str]:
    """panva's oidc-provider on loopback, its client's redirect URI our callback."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are needed to run oidc-provider (the SSO suite); .ci/run installs them")
    major = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    if int(major.strip().lstrip("v").split(".")[0]) < MIN_NODE:
        _unavailable(f"oidc-provider needs node >= {MIN_NODE}, this is {major.strip()}")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        install = [npm, "ci" if (HERE / "package-lock.json").exists() else "install", "--no-audit", "--no-fund"]
        subprocess.run([*install, "--loglevel=error"], cwd=HERE, check=True, timeout=300)
    port = free_port(8200, 8249)
    process = subprocess.Popen(
        [node, "provider.mjs", str(port), CALLBACK],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("ready "):
            raise RuntimeError(f"oidc-provider did not start: {line!r}")
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def forge() -> Iterator[ForgingProvider]:
    provider = ForgingProvider(free_port(8250, 8299))
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "memory":
        return memory_backend(request.getfixturevalue("memory_store"))
    return pg_backend(request.getfixturevalue("clean_pg"))


def policy(**overrides: Any) -> SignInPolicy:
    values: dict[str, Any] = {
        "redirect_uris": frozenset({APP, OTHER_APP}),
        "callback_url": CALLBACK,
        "issuer": ISSUER,
        "auto_provision": True,
        "role_claim": "groups",
        "admin_values": frozenset({"admins"}),
        "manager_values": frozenset({"managers"}),
    }
    return SignInPolicy(**{**values, **overrides})


def node_stack(backend: Backend, issuer: str, **overrides: Any) -> Stack:
    password_login = overrides.pop("password_login", True)
    provider = AuthlibIdentityProvider(
        issuer=issuer, client_id=NODE_CLIENT_ID, client_secret=NODE_CLIENT_SECRET, scopes="openid email profile"
    )
    return build_stack(backend, provider=provider, sign_in_policy=policy(**overrides), password_login=password_login)


def forge_stack(backend: Backend, forge: ForgingProvider, **overrides: Any) -> Stack:
    provider = AuthlibIdentityProvider(
        issuer=forge.issuer, client_id=FORGE_CLIENT_ID, client_secret=FORGE_CLIENT_SECRET, scopes="openid email"
    )
    return build_stack(backend, provider=provider, sign_in_policy=policy(**overrides))


# -- the app's side of the flow ------------------------------------------------------------------


class Pkce:
    def __init__(self) -> None:
        self.verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(self.verifier.encode()).digest()
        self.challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(pkce: Pkce, *, state: str = "app-state-1", redirect_uri: str = APP, **extra: str) -> httpx.URL:
    params = {
        "response_type": "code",
        "client_id": "web",
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return httpx.URL(f"{ISSUER}/api/v1/auth/authorize", params={k: v for k, v in params.items() if v})


class _Forms(HTMLParser):
    """The first form of a page: its action and its inputs' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = named.get("action") or ""
        elif tag == "input" and named.get("name"):
            self.fields[str(named["name"])] = named.get("value") or ""


class Browser:
    """A browser: cookies, redirects followed by hand (to stop at the app), the provider's
    login and consent forms posted as a person would. Upskill is reached in process."""

    def __init__(self, target: Stack | FastAPI) -> None:
        app = target.app if isinstance(target, Stack) else target
        mounts = {ISSUER: httpx.ASGITransport(app=app)}
        self.http = httpx.AsyncClient(mounts=mounts, follow_redirects=False, timeout=20)

    async def go(self, url: httpx.URL | str, *, login: str = "alice", until: str = APP) -> httpx.Response:
        """Follow the flow from `url` until a response that is not a redirect to go on with: a
        redirect to `until` (the app), or an error page/problem."""
        response = await self.http.get(url)
        for _ in range(20):
            if response.is_redirect:
                target = response.url.join(response.headers["location"])
                if str(target).startswith(until):
                    return response
                response = await self.http.get(target)
                continue
            if response.status_code == 200 and "<form" in response.text:
                forms = _Forms()
                forms.feed(response.text)
                fields = dict(forms.fields)
                if "login" in fields:
                    fields.update(login=login, password="any")
                response = await self.http.post(response.url.join(forms.action or ""), data=fields)
                continue
            return response
        raise AssertionError("the flow did not end")

    async def aclose(self) -> None:
        await self.http.aclose()


def app_params(response: httpx.Response) -> dict[str, str]:
    """The query of the redirect to the app."""
    assert response.is_redirect, response.text
    return dict(httpx.URL(response.headers["location"]).params)


async def exchange(stack: Stack, code: str, pkce: Pkce, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": APP,
        "client_id": "web",
        "code_verifier": pkce.verifier,
        **overrides,
    }
    async with stack.client() as http:
        return await http.post("/api/v1/auth/token", data={k: v for k, v in form.items() if v})
