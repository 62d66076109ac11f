"""The whole company sign-in against panva's oidc-provider: the app's authorization request,
the provider's login and consent forms, the callback, the app's code exchange with PKCE, and
the rules for finding, linking and provisioning users, on memory and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.integration.conftest import ADMIN_EMAIL, PASSWORD, Backend, Stack, build_stack, create, serve
from tests.sso.conftest import APP, Browser, Pkce, app_params, authorize_url, exchange, node_stack
from upskill.domain.identity import User


async def sign_in(stack: Stack, login: str, pkce: Pkce | None = None, state: str = "s-1") -> dict[str, str]:
    """The app's redirect after signing in as `login` at the provider."""
    pkce = pkce or Pkce()
    browser = Browser(stack)
    try:
        return app_params(await browser.go(authorize_url(pkce, state=state), login=login))
    finally:
        await browser.aclose()


async def _all_users(stack: Stack) -> list[User]:
    assert stack.uow is not None
    async with stack.uow() as uow:
        return [u for u in [await uow.identity.user_by_email(e) for e in _EMAILS] if u is not None]


_EMAILS = ("alice@example.com", "root@example.com", "victim@example.com", "newcomer@example.com", ADMIN_EMAIL)


async def test_an_employee_signs_in_and_gets_a_token_pair(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    async with serve(stack) as admin:
        department = await create(admin, "departments", name="Sales")
        employee = await create(
            admin,
            "employees",
            full_name="Alice Archer",
            email="alice@example.com",
            department_id=department["id"],
            hired_on="2021-03-01",
        )
        pkce = Pkce()
        redirect = await sign_in(stack, "alice", pkce, state="opaque/state with spaces")

        assert set(redirect) == {"code", "state", "iss"}
        assert redirect["state"] == "opaque/state with spaces"
        assert redirect["iss"] == "http://testserver"
        response = await exchange(stack, redirect["code"], pkce)
        assert response.status_code == 200, response.text
        tokens = response.json()
        assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
        assert response.headers["cache-control"] == "no-store"

        async with stack.client(tokens["access_token"]) as alice:
            me = (await alice.get("/api/v1/auth/me")).json()
            sessions = (await alice.get("/api/v1/auth/sessions")).json()
        assert me["email"] == "alice@example.com"
        assert me["role"] == "employee"
        assert me["employee_id"] == employee["id"]
        assert me["auth_methods"] == ["oidc"]
        assert "oidc_linked" not in me
        assert [(s["auth_method"], s["client_id"]) for s in sessions] == [("oidc", "web")]

        refreshed = await admin.post(
            "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 200
    assert [e for e in stack.audit.names() if e.startswith("sso.")] == ["sso.provisioned", "sso.login"]


async def test_signing_in_again_finds_the_linked_user(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    first, second = Pkce(), Pkce()
    one = await exchange(stack, (await sign_in(stack, "newcomer", first))["code"], first)
    two = await exchange(stack, (await sign_in(stack, "newcomer", second))["code"], second)
    assert one.status_code == two.status_code == 200
    assert [u.email for u in await _all_users(stack)] == ["newcomer@example.com"]
    assert stack.audit.names().count("sso.provisioned") == 1


async def test_a_member_of_admins_becomes_an_admin(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    pkce = Pkce()
    tokens = (await exchange(stack, (await sign_in(stack, "root", pkce))["code"], pkce)).json()
    async with stack.client(tokens["access_token"]) as root:
        assert (await root.get("/api/v1/auth/me")).json()["role"] == "admin"


async def test_a_password_user_is_linked_by_verified_email_and_keeps_the_password(
    backend: Backend, node_issuer: str
) -> None:
    stack = node_stack(backend, node_issuer)
    async with serve(stack) as admin:
        created = await create(admin, "users", email="alice@example.com", password=PASSWORD, role="manager")
        assert created["auth_methods"] == ["password"]
        pkce = Pkce()
        assert (await exchange(stack, (await sign_in(stack, "alice", pkce))["code"], pkce)).status_code == 200
        after = (await admin.get(f"/api/v1/users/{created['id']}")).json()
    assert after["auth_methods"] == ["password", "oidc"]
    assert after["role"] == "employee"  # the role claim is configured: alice is in no admin or manager group
    assert after["version"] > created["version"]
    assert "sso.linked" in stack.audit.names()


async def test_an_unverified_email_that_matches_a_user_is_refused_and_not_linked(
    backend: Backend, node_issuer: str
) -> None:
    stack = node_stack(backend, node_issuer)
    async with serve(stack) as admin:
        victim = await create(admin, "users", email="victim@example.com", password=PASSWORD, role="admin")
        redirect = await sign_in(stack, "mallory", state="s-m")
        after = (await admin.get(f"/api/v1/users/{victim['id']}")).json()
    assert redirect == {
        "error": "access_denied",
        "error_description": "This account may not sign in here.",
        "state": "s-m",
    }
    assert after["auth_methods"] == ["password"]
    assert after["version"] == victim["version"]
    assert stack.audit.of("sso.failure")[-1]["reason"] == "no account"


async def test_without_provisioning_an_unknown_person_is_refused(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer, auto_provision=False)
    redirect = await sign_in(stack, "newcomer")
    assert redirect["error"] == "access_denied"
    assert await _all_users(stack) == []


async def test_an_inactive_user_is_refused(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    async with serve(stack) as admin:
        alice = await create(admin, "users", email="alice@example.com", password=PASSWORD, is_active=False)
        redirect = await sign_in(stack, "alice")
        after = (await admin.get(f"/api/v1/users/{alice['id']}")).json()
    assert redirect["error"] == "access_denied"
    assert after["auth_methods"] == ["password"]


async def test_the_password_grant_refuses_an_sso_only_user_like_a_wrong_password(
    backend: Backend, node_issuer: str
) -> None:
    stack = node_stack(backend, node_issuer)
    pkce = Pkce()
    assert (await exchange(stack, (await sign_in(stack, "newcomer", pkce))["code"], pkce)).status_code == 200
    async with stack.client() as anonymous:
        for password in ("", "x" * 12, PASSWORD):
            response = await anonymous.post(
                "/api/v1/auth/token",
                data={"grant_type": "password", "username": "newcomer@example.com", "password": password or "-"},
            )
            assert response.status_code == 400
            assert response.json()["error"] == "invalid_grant"
            assert response.json()["error_description"] == "The credentials are not valid."


async def test_password_login_off_leaves_company_sign_in(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer, password_login=False)
    async with stack.client() as anonymous:
        refused = await anonymous.post(
            "/api/v1/auth/token", data={"grant_type": "password", "username": "a@example.com", "password": "x"}
        )
        metadata = (await anonymous.get("/.well-known/oauth-authorization-server")).json()
    assert refused.status_code == 400
    assert refused.json()["error"] == "unsupported_grant_type"
    assert metadata["grant_types_supported"] == ["refresh_token", "authorization_code"]
    pkce = Pkce()
    assert (await exchange(stack, (await sign_in(stack, "alice", pkce))["code"], pkce)).status_code == 200


async def test_the_metadata_describe_the_authorization_endpoint(backend: Backend, node_issuer: str) -> None:
    stack = node_stack(backend, node_issuer)
    async with stack.client() as anonymous:
        metadata = (await anonymous.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["authorization_endpoint"] == "http://testserver/api/v1/auth/authorize"
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["grant_types_supported"] == ["password", "refresh_token", "authorization_code"]
    assert metadata["authorization_response_iss_parameter_supported"] is True


@pytest.mark.parametrize("path", ["/api/v1/auth/authorize", "/api/v1/auth/oidc/callback"])
async def test_without_an_issuer_the_routes_are_not_found(backend: Backend, path: str) -> None:
    stack = build_stack(backend)
    async with stack.client() as anonymous:
        assert (await anonymous.get(path)).status_code == 404
        code = await anonymous.post(
            "/api/v1/auth/token",
            data={"grant_type": "authorization_code", "code": "x", "redirect_uri": APP, "client_id": "web"},
        )
    assert code.json()["error"] == "unsupported_grant_type"


async def test_docs_still_authorize_with_a_password_when_password_login_is_on(
    backend: Backend, node_issuer: str
) -> None:
    stack = node_stack(backend, node_issuer)
    async with serve(stack) as admin, stack.client() as browser:
        await create(admin, "users", email="swagger@example.com", password=PASSWORD, role="employee")
        document = (await browser.get("/openapi.json")).json()
        form = {"grant_type": "password", "username": "swagger@example.com", "password": PASSWORD, "scope": ""}
        swagger = {"Authorization": "Basic c3dhZ2dlci11aTo="}  # what Swagger UI sends: "swagger-ui:"
        response = await browser.post("/api/v1/auth/token", data={**form, "client_secret": ""}, headers=swagger)
    assert document["components"]["securitySchemes"]["OAuth2"]["flows"]["password"]["tokenUrl"] == (
        "/api/v1/auth/token"
    )
    assert "/api/v1/auth/authorize" in document["paths"]
    assert response.status_code == 200, response.text
