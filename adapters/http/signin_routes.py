"""Company sign-in over HTTP: the authorization endpoint of the apps (RFC 6749 §4.1, PKCE
required) and the callback of the company's OpenID provider. Both answer `302`: on to the
provider, back to the app (`code`, `state`, `iss`), or back to the app with `error` (RFC 6749
§4.1.2.1) once its redirect URI is known to be registered; before that, a problem (400).

Not mounted without `UPSKILL_OIDC_ISSUER` (the routes are then 404, like any unknown route).
"""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from adapters.http.oauth import NO_STORE
from adapters.http.paths import AUTHORIZE_PATH, CALLBACK_PATH
from adapters.http.problems import BAD_REQUEST, ProblemException, problem_responses
from adapters.http.rate_limit import TokenBucketLimiter
from upskill.services.signin import AuthorizationError, SignInService, with_query

_REDIRECT: dict[int | str, dict[str, Any]] = {
    302: {
        "description": "To the identity provider, or back to the app's redirect URI with `code` and `state` "
        "(or `error`, `error_description` and `state`).",
        "headers": {"Location": {"description": "Where the browser goes next.", "schema": {"type": "string"}}},
    }
}


def _query(*names: tuple[str, bool, str]) -> dict[str, Any]:
    """`openapi_extra` listing the query parameters a route reads itself."""
    parameters = [
        {"name": name, "in": "query", "required": required, "schema": {"type": "string"}, "description": text}
        for name, required, text in names
    ]
    return {"parameters": parameters}


_AUTHORIZE_QUERY = _query(
    ("response_type", True, "`code`."),
    ("client_id", True, "The app's client id (public client; recorded on the session)."),
    ("redirect_uri", True, "Exactly one of `UPSKILL_OAUTH_REDIRECT_URIS`."),
    ("state", False, "Opaque; sent back unchanged (recommended: CSRF protection of the app)."),
    ("code_challenge", True, "PKCE: BASE64URL(SHA256(code_verifier)), 43 characters."),
    ("code_challenge_method", True, "`S256` (`plain` is refused)."),
    ("scope", False, "`api` or absent."),
)
_CALLBACK_QUERY = _query(
    ("state", True, "The state Upskill sent to the identity provider."),
    ("code", False, "The identity provider's authorization code."),
    ("error", False, "The identity provider's refusal."),
)


def _single(request: Request) -> dict[str, str]:
    """The query parameters, one value each; a repeated one is refused (RFC 6749 §3.1)."""
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in params:
            raise ProblemException(BAD_REQUEST, f"'{name}' is given more than once.", field=name)
        if value:
            params[name] = value
    return params


def _redirect(location: str) -> Response:
    return RedirectResponse(location, status_code=302, headers={**NO_STORE, "Referrer-Policy": "no-referrer"})


def _refused(error: AuthorizationError) -> Response:
    if error.redirect_uri is None:
        raise ProblemException(BAD_REQUEST, error.description)
    params = {"error": error.error, "error_description": error.description, "state": error.state}
    return _redirect(with_query(error.redirect_uri, params))


def sign_in_service(request: Request) -> SignInService:
    return cast(SignInService, request.app.state.sign_in)


def sign_in_router(limiter: TokenBucketLimiter) -> APIRouter:
    """Both routes share the token endpoint's per-IP limit: each authorization request stores a
    pending login, each callback calls the provider."""
    router = APIRouter(tags=["authentication"])
    limited = [Depends(limiter)]

    @router.get(
        AUTHORIZE_PATH,
        status_code=302,
        response_class=Response,
        dependencies=limited,
        openapi_extra=_AUTHORIZE_QUERY,
        responses={**_REDIRECT, **problem_responses(400, 429, 500, 503)},
    )
    async def authorize(request: Request) -> Response:
        """The authorization endpoint (RFC 6749 §4.1.1, RFC 7636): `response_type=code`,
        `client_id`, `redirect_uri` (exactly one of `UPSKILL_OAUTH_REDIRECT_URIS`), `state`,
        `code_challenge` and `code_challenge_method=S256` (required). Sends the browser to the
        company's identity provider. An unknown redirect URI or a missing client id is a 400
        problem (never a redirect); other errors go back to the redirect URI as `error=`."""
        try:
            return _redirect(await sign_in_service(request).authorize(_single(request)))
        except AuthorizationError as error:
            return _refused(error)

    @router.get(
        CALLBACK_PATH,
        status_code=302,
        response_class=Response,
        dependencies=limited,
        openapi_extra=_CALLBACK_QUERY,
        responses={**_REDIRECT, **problem_responses(400, 429, 500, 503)},
    )
    async def callback(request: Request) -> Response:
        """Where the identity provider sends the browser back (`code`, `state`, or `error`).
        On success the browser goes to the app's redirect URI with a one-time `code` (60 s),
        its `state` and `iss` (RFC 9207); an unknown, used or expired `state` is a 400 problem."""
        try:
            return _redirect(await sign_in_service(request).callback(_single(request)))
        except AuthorizationError as error:
            return _refused(error)

    return router
