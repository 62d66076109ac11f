"""Who is calling: bearer authentication (RFC 6750), the one seam every protected route names.

Every route that takes `CurrentPrincipal` requires `Authorization: Bearer <access token>` and is
marked in OpenAPI with the OAuth 2.0 password-flow scheme, so `/docs` "Authorize" works. No
credentials (or another scheme) answer 401 with a bare `Bearer realm` challenge; a token that
fails answers 401 with `error="invalid_token"` and never says why. The principal is kept on
`request.state` for the access log (its user id only, never the token).
"""

from __future__ import annotations

import re
from typing import Annotated, cast

from fastapi import Depends, FastAPI
from fastapi.security import OAuth2PasswordBearer
from starlette.requests import HTTPConnection, Request

from adapters.http.oauth import REALM
from adapters.http.paths import TOKEN_PATH
from adapters.http.problems import UNAUTHENTICATED, ProblemException
from upskill.domain.errors import Unauthenticated
from upskill.domain.principal import Principal
from upskill.services.auth import AuthService

SCHEME = "OAuth2"
MAX_TOKEN_CHARS = 4096
"""A longer bearer token is refused before any parsing."""
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 §2.1 token68
CHALLENGE = f'Bearer realm="{REALM}"'
INVALID_TOKEN = f'Bearer realm="{REALM}", error="invalid_token"'
REFUSED_DETAIL = "The access token is invalid or expired."


class BearerToken(OAuth2PasswordBearer):
    """The credentials of a request as a dependency: the bearer token, or None when the request
    carries none (no `Authorization`, or another scheme). Declares the OpenAPI scheme."""

    def __init__(self) -> None:
        super().__init__(
            tokenUrl=TOKEN_PATH,
            scheme_name=SCHEME,
            scopes={"api": "The API (the only scope; granted when none is asked for)."},
            description="A JWT access token from the token endpoint (password grant), sent as a bearer token.",
            auto_error=False,
        )

    async def __call__(self, request: HTTPConnection) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip()


BEARER = BearerToken()


def install_authentication(app: FastAPI, auth: AuthService) -> None:
    """Make `auth` the service that `current_principal` asks."""
    app.state.auth = auth


def auth_service(request: Request) -> AuthService:
    return cast(AuthService, request.app.state.auth)


def unauthenticated() -> ProblemException:
    """The 401 for a request without credentials (RFC 6750 §3.1: no error code then)."""
    return ProblemException(
        UNAUTHENTICATED,
        "This route needs an access token: Authorization: Bearer <token>.",
        headers={"WWW-Authenticate": CHALLENGE},
    )


def invalid_token() -> ProblemException:
    return ProblemException(UNAUTHENTICATED, REFUSED_DETAIL, headers={"WWW-Authenticate": INVALID_TOKEN})


async def current_principal(request: Request, token: Annotated[str | None, Depends(BEARER)]) -> Principal:
    """The caller behind the bearer token; raises the 401 problems described above."""
    if token is None:
        raise unauthenticated()
    if len(token) > MAX_TOKEN_CHARS or not _B64TOKEN.fullmatch(token):
        raise invalid_token()
    try:
        principal = await auth_service(request).authenticate(token)
    except Unauthenticated:
        raise invalid_token() from None
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
