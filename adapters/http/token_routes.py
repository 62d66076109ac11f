"""The OAuth 2.0 endpoints over form bodies: token (RFC 6749: password, refresh_token and, with
company sign-in, authorization_code grants),
revocation (RFC 7009) and introspection (RFC 7662, admins only).

These routes read their form body themselves (`oauth.read_form`), so the JSON media check does
not apply: another media type is `invalid_request`. Errors leave in RFC 6749 §5.2 shape, not as
problems, except the per-IP limit and the bearer checks of introspection, which are problems.
A locked account answers 429 with `Retry-After` and `error: "invalid_grant"`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from adapters.http.auth import CurrentPrincipal, auth_service
from adapters.http.hot import hot
from adapters.http.oauth import (
    NO_STORE,
    OAuthError,
    TokenResponse,
    form_body,
    oauth_error_response,
    read_form,
    required,
    token_response,
)
from adapters.http.paths import AUTH_PREFIX
from adapters.http.problems import problem_responses
from adapters.http.rate_limit import TokenBucketLimiter
from adapters.http.responses import JsonResponse
from upskill.domain.errors import InvalidGrant, RateLimited
from upskill.services.auth import Introspection
from upskill.services.issuing import SCOPE, TokenGrant
from upskill.services.signin import SignInService

GRANTS = ("password", "refresh_token", "authorization_code")
_TEXT: dict[str, Any] = {"type": "string"}
_SECRET: dict[str, Any] = {"type": "string", "format": "password"}

_TOKEN_FORM = form_body(
    {
        "grant_type": {"type": "string", "enum": list(GRANTS)},
        "username": {**_TEXT, "description": "The user's email (password grant)."},
        "password": {**_SECRET, "description": "Password grant."},
        "refresh_token": {**_SECRET, "description": "refresh_token grant: the refresh token to exchange (once)."},
        "code": {**_SECRET, "description": "authorization_code grant: the one-time code (60 s)."},
        "redirect_uri": {**_TEXT, "description": "authorization_code grant: the redirect URI of the authorization."},
        "code_verifier": {**_SECRET, "description": "authorization_code grant: the PKCE verifier (RFC 7636)."},
        "scope": {**_TEXT, "description": f"`{SCOPE}` or absent."},
        "client_id": {
            **_TEXT,
            "description": "A public client's id: recorded on the session, not authenticated "
            "(required with authorization_code: the code is bound to it).",
        },
    },
    ["grant_type"],
)
_TOKEN_FORM["responses"] = {
    "429": {
        "description": "The account is locked after repeated failures (`invalid_grant`, JSON), or this address "
        "sent too many requests (a problem).",
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/OAuthErrorBody"}},
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}},
        },
    }
}
_TOKEN_PARAM: dict[str, Any] = {**_SECRET, "minLength": 1}  # an empty value counts as absent (read_form)
_REVOKE_FORM = form_body(
    {
        "token": _TOKEN_PARAM,
        "token_type_hint": {
            **_TEXT,
            "description": "`access_token` or `refresh_token`: a hint; other values are ignored (RFC 7009 §2.1).",
        },
    },
    ["token"],
)
_INTROSPECT_FORM = form_body({"token": _TOKEN_PARAM, "token_type_hint": _TEXT}, ["token"])
_BAD_FORM = oauth_error_response("`invalid_request`: not a form, a parameter missing or repeated.")
_CLIENT_AUTH = oauth_error_response(
    "`invalid_client`: the client tried to authenticate (a `client_secret`, or Basic with a secret); "
    "clients are public: `client_id` only (or Basic with an empty secret).",
    headers={"WWW-Authenticate": "`Basic realm=...`"},
)


class IntrospectionResponse(BaseModel):
    """RFC 7662: `active` only, unless the token is valid now."""

    active: bool
    token_type: str | None = None
    sub: str | None = None
    sid: str | None = None
    role: str | None = None
    scope: str | None = None
    exp: int | None = None
    iat: int | None = None


def _check_scope(form: dict[str, str]) -> None:
    scope = form.get("scope")
    if scope is not None and set(scope.split()) != {SCOPE}:
        raise OAuthError("invalid_scope", f"The only scope is '{SCOPE}'.")


async def _grant(request: Request, form: dict[str, str]) -> TokenGrant:
    auth, client_id = auth_service(request), form.get("client_id")
    grant_type = required(form, "grant_type")
    if grant_type == "password" and auth.password_login:
        username, password = required(form, "username"), required(form, "password")
        _check_scope(form)
        agent = request.headers.get("user-agent")
        return await auth.password_grant(username, password, client_id=client_id, user_agent=agent)
    if grant_type == "refresh_token":
        refresh = required(form, "refresh_token")
        _check_scope(form)
        return await auth.refresh_grant(refresh, client_id=client_id)
    sign_in: SignInService | None = request.app.state.sign_in
    if grant_type == "authorization_code" and sign_in is not None:
        return await sign_in.exchange(
            code=required(form, "code"),
            redirect_uri=required(form, "redirect_uri"),
            client_id=required(form, "client_id"),
            code_verifier=required(form, "code_verifier"),
            user_agent=request.headers.get("user-agent"),
        )
    raise OAuthError("unsupported_grant_type", f"Supported grant types: {', '.join(_enabled(request))}.")


def _enabled(request: Request) -> list[str]:
    enabled = ["password"] if auth_service(request).password_login else []
    enabled.append("refresh_token")
    if request.app.state.sign_in is not None:
        enabled.append("authorization_code")
    return enabled


def _introspection(result: Introspection) -> dict[str, object]:
    if not result.active:
        return {"active": False}
    body: dict[str, object] = {
        "active": True,
        "token_type": result.token_type,
        "sub": result.sub,
        "sid": result.sid,
        "role": result.role,
        "scope": result.scope,
        "exp": int(result.exp.timestamp()) if result.exp else None,
        "iat": int(result.iat.timestamp()) if result.iat else None,
    }
    return {name: value for name, value in body.items() if value is not None}


def token_router(limiter: TokenBucketLimiter) -> APIRouter:
    router = APIRouter(prefix=AUTH_PREFIX, tags=["authentication"])
    limited = [Depends(limiter)]

    @router.post(
        "/token",
        response_model=TokenResponse,
        response_class=JsonResponse,
        dependencies=limited,
        openapi_extra=_TOKEN_FORM,
        responses={400: _BAD_FORM, 401: _CLIENT_AUTH, **problem_responses(413, 500, 503)},
    )
    async def token(request: Request) -> Response:
        """The token endpoint (RFC 6749, form-encoded): `grant_type=password` (username = email;
        unless password login is off), `grant_type=refresh_token`, or, with company sign-in,
        `grant_type=authorization_code` (`code`, `redirect_uri`, `client_id`, `code_verifier`;
        a code used twice ends the session of its first use). Errors: `invalid_request`, `invalid_client` (401),
        `invalid_grant` (unknown account, wrong password, inactive user, used or expired refresh
        token: alike), `unsupported_grant_type`, `invalid_scope`. A used refresh token presented
        again ends its session (reuse detection)."""
        try:
            grant = await _grant(request, await read_form(request))
        except OAuthError as error:
            return error.response()
        except RateLimited as error:
            headers = {"Retry-After": str(error.retry_after)}
            return OAuthError("invalid_grant", error.reason, status=429, headers=headers).response()
        except InvalidGrant as error:
            return OAuthError("invalid_grant", error.reason).response()
        return token_response(grant)

    @router.post(
        "/revoke",
        response_class=Response,
        dependencies=limited,
        openapi_extra=_REVOKE_FORM,
        responses={
            200: {"description": "Revoked, or the token was not valid anyway (nothing to say)."},
            400: _BAD_FORM,
            401: _CLIENT_AUTH,
            **problem_responses(413, 429, 500, 503),
        },
    )
    async def revoke(request: Request) -> Response:
        """RFC 7009: end the session of a refresh or access token. Always 200 for a well-formed
        request, whatever the token (the hint is accepted and not needed)."""
        try:
            form = await read_form(request)
            token = required(form, "token")
        except OAuthError as error:
            return error.response()
        await auth_service(request).revoke(token)
        return Response(status_code=200, headers=NO_STORE)

    @router.post(
        "/introspect",
        response_model=IntrospectionResponse,
        response_model_exclude_none=True,
        response_class=JsonResponse,
        openapi_extra=_INTROSPECT_FORM,
        responses={400: _BAD_FORM, **problem_responses(401, 403, 413, 500, 503)},
    )
    async def introspect(request: Request, principal: CurrentPrincipal) -> Response:
        """RFC 7662, for admins (bearer token): `{"active": false}` for any token not valid now,
        else its owner, session, role, scope and times (`exp`, `iat` in Unix seconds)."""
        try:
            token = required(await read_form(request), "token")
        except OAuthError as error:
            return error.response()
        result = await auth_service(request).introspect(principal, token)
        return JsonResponse(_introspection(result), headers=NO_STORE)

    async def token_hot(request: Request) -> Response:
        """The token endpoint without FastAPI's handler (see `hot`): its one dependency, the
        per-IP limit, then the endpoint, which reads its form itself."""
        await limiter(request)
        return await token(request)

    for route in router.routes:
        if isinstance(route, APIRoute) and route.path_format == f"{AUTH_PREFIX}/token":
            hot(route, token_hot)
    return router
