"""The caller's own account over JSON: self sign-up, who am I, sessions, logout and password
change. Everything but sign-up needs a bearer token; every answer is `no-store`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.requests import Request
from starlette.responses import Response

from adapters.http.auth import CurrentPrincipal, auth_service
from adapters.http.media import JSON, require_media_type
from adapters.http.oauth import TokenResponse, token_response
from adapters.http.paths import API_PREFIX, AUTH_PREFIX
from adapters.http.problems import problem_responses
from adapters.http.rate_limit import TokenBucketLimiter
from adapters.http.responses import JsonResponse
from adapters.http.schemas import WRITE_ONLY_MAX, ResourceSchemas
from upskill.domain.identity import User
from upskill.domain.principal import Principal
from upskill.services.crud import CrudService

_SECRET = Field(json_schema_extra={"format": "password", "writeOnly": True})
Secret = Annotated[str, StringConstraints(max_length=WRITE_ONLY_MAX), _SECRET]
_STRICT = ConfigDict(extra="forbid")
_COMMON = (401, 500, 503)


class Registration(BaseModel):
    """A new account (role `employee`), when self sign-up is enabled."""

    model_config = _STRICT
    email: Annotated[str, StringConstraints(max_length=254)]
    password: Secret


class PasswordChange(BaseModel):
    model_config = _STRICT
    current_password: Secret
    new_password: Secret


class SessionView(BaseModel):
    """One live login of the caller; `current` is the one this request's token belongs to."""

    id: UUID
    client_id: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    auth_method: str = Field(description="How the user signed in: `password` or `oidc` (company sign-in).")
    current: bool


class Ended(BaseModel):
    ended: int = Field(description="How many sessions were ended.")


def _user_id(principal: Principal) -> UUID:
    assert principal.user_id is not None, "a bearer token always names a user"
    return principal.user_id


def account_router(users: CrudService[User], schemas: ResourceSchemas, limiter: TokenBucketLimiter) -> APIRouter:
    router = APIRouter(prefix=AUTH_PREFIX, tags=["authentication"])
    present = schemas.presenter(users.today())  # auth_methods does not depend on the day
    json_body = [Depends(require_media_type(JSON))]

    @router.post(
        "/register",
        status_code=201,
        response_model=schemas.read,
        response_class=JsonResponse,
        dependencies=[Depends(limiter), *json_body],
        responses={
            201: {"headers": {"Location": {"description": "URL of the new user", "schema": {"type": "string"}}}},
            **problem_responses(400, 403, 409, 413, 415, 422, 429, 500, 503),
        },
    )
    async def register(request: Request, body: Registration) -> Response:
        """Self sign-up (403 unless enabled by settings): a user with role `employee`. Log in
        afterwards at the token endpoint."""
        user = await auth_service(request).register(body.email, body.password)
        return JsonResponse(present(user), status_code=201, headers={"Location": f"{API_PREFIX}/users/{user.id}"})

    @router.get("/me", response_model=schemas.read, response_class=JsonResponse, responses=problem_responses(*_COMMON))
    async def me(principal: CurrentPrincipal) -> Response:
        """The caller's user."""
        return JsonResponse(present(await users.get(principal, _user_id(principal))))

    @router.post("/logout", status_code=204, response_class=Response, responses=problem_responses(*_COMMON))
    async def logout(request: Request, principal: CurrentPrincipal) -> Response:
        """End the session of this token (its access and refresh tokens stop working at once)."""
        await auth_service(request).logout(principal)
        return Response(status_code=204)

    @router.get(
        "/sessions",
        response_model=list[SessionView],
        response_class=JsonResponse,
        responses=problem_responses(*_COMMON),
    )
    async def sessions(request: Request, principal: CurrentPrincipal) -> Response:
        """The caller's live sessions, newest first."""
        live = await auth_service(request).sessions(principal)
        body = [
            {
                "id": s.id,
                "client_id": s.client_id,
                "created_at": s.created_at,
                "last_used_at": s.last_used_at,
                "expires_at": s.expires_at,
                "auth_method": s.auth_method,
                "current": s.id == principal.session_id,
            }
            for s in live
        ]
        return JsonResponse(body)

    @router.delete(
        "/sessions/{id}", status_code=204, response_class=Response, responses=problem_responses(404, 422, *_COMMON)
    )
    async def end_session(request: Request, principal: CurrentPrincipal, id: UUID) -> Response:
        """End one of the caller's sessions (404 for any other id)."""
        await auth_service(request).end_session(principal, id)
        return Response(status_code=204)

    @router.delete(
        "/sessions", response_model=Ended, response_class=JsonResponse, responses=problem_responses(*_COMMON)
    )
    async def end_other_sessions(request: Request, principal: CurrentPrincipal) -> Response:
        """End every session of the caller but this one; says how many."""
        return JsonResponse({"ended": await auth_service(request).end_other_sessions(principal)})

    @router.post(
        "/password",
        response_model=TokenResponse,
        response_class=JsonResponse,
        dependencies=json_body,
        responses=problem_responses(400, 413, 415, 422, 429, *_COMMON),
    )
    async def change_password(request: Request, principal: CurrentPrincipal, body: PasswordChange) -> Response:
        """Change the caller's password: every session (this one too) ends, and the answer is a
        new token pair for a new session. A wrong `current_password` is a 422 and counts as a
        failed login (repeated failures lock the account: 429)."""
        grant = await auth_service(request).change_password(principal, body.current_password, body.new_password)
        return token_response(grant)

    return router
