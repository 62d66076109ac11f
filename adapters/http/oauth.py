"""The OAuth 2.0 wire format: form-encoded requests (RFC 6749 §3.2, parsed here, strictly) and
the JSON token and error responses (§5.1, §5.2), every one `Cache-Control: no-store`.

An `OAuthError` is raised by the form routes and answered by them (not by the problem
handlers): its body is `{"error", "error_description", "request_id"}`, as OAuth clients expect.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from adapters.http.request_id import current_request_id
from adapters.http.responses import JsonResponse
from upskill.services.issuing import TokenGrant

FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
REALM = "upskill"
MAX_FIELDS = 20


class OAuthError(Exception):
    """An RFC 6749 §5.2 error: `error` is the registered code, `description` for humans."""

    def __init__(
        self, error: str, description: str, *, status: int = 400, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status
        self.headers = dict(headers or {})

    def response(self) -> Response:
        body = {"error": self.error, "error_description": self.description, "request_id": current_request_id()}
        return JsonResponse(body, status_code=self.status, headers={**NO_STORE, **self.headers})


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


def invalid_client() -> OAuthError:
    """Client authentication was attempted: this service has only public clients."""
    return OAuthError(
        "invalid_client",
        "Client authentication is not supported: send client_id only, without a secret.",
        status=401,
        headers={"WWW-Authenticate": f'Basic realm="{REALM}"'},
    )


async def read_form(request: Request) -> dict[str, str]:
    """The form body as one value per parameter. Empty values count as absent (§3.1). Raises
    invalid_request for another media type, a body that is not strict `x-www-form-urlencoded`
    UTF-8, too many fields, or a parameter sent twice (§3.2); invalid_client when the client
    tries to authenticate: a `client_secret`, or an `Authorization` header of another scheme
    than Basic with an empty secret or Bearer (a bearer token is the caller's: ignored here).

    Basic with an empty secret names a public client without authenticating it, which is what
    Swagger UI sends by default (`Basic base64(client_id + ":")`): its client id, if any, counts
    as the form's `client_id`."""
    header_client = _public_client(request.headers.get("authorization", ""))
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != FORM:
        raise invalid_request(f"The body must be {FORM}.")
    try:
        pairs = parse_qsl(
            (await request.body()).decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=True,
            max_num_fields=MAX_FIELDS,
        )
    except ValueError:  # UnicodeDecodeError too
        raise invalid_request("The body is not a valid form.") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise invalid_request(f"'{name}' is given more than once.")
        if value:
            form[name] = value
    if "client_secret" in form:
        raise invalid_client()
    if header_client and form.setdefault("client_id", header_client) != header_client:
        raise invalid_request("Two different client ids are given.")
    return form


def _public_client(authorization: str) -> str | None:
    """The client id of a Basic header with an empty secret (RFC 6749 §2.3.1: both parts
    form-encoded), None without a header or for Bearer; invalid_client for anything else."""
    scheme, _, credentials = authorization.strip().partition(" ")
    if not scheme or scheme.lower() == "bearer":
        return None
    if scheme.lower() != "basic":
        raise invalid_client()
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except ValueError:
        raise invalid_client() from None
    client_id, colon, secret = decoded.partition(":")
    if not colon or unquote_plus(secret):
        raise invalid_client()
    return unquote_plus(client_id) or None


def required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if value is None:
        raise invalid_request(f"'{name}' is required.")
    return value


def token_response(grant: TokenGrant) -> Response:
    body = {
        "access_token": grant.access_token,
        "token_type": "Bearer",
        "expires_in": grant.expires_in,
        "refresh_token": grant.refresh_token,
        "scope": grant.scope,
    }
    return JsonResponse(body, headers=NO_STORE)


# -- OpenAPI ---------------------------------------------------------------------------------------


class TokenResponse(BaseModel):
    """RFC 6749 §5.1: a bearer access token (JWT) and its single-use refresh token."""

    access_token: str
    token_type: str = Field(description="Always `Bearer`.")
    expires_in: int = Field(description="Seconds the access token is valid for.")
    refresh_token: str = Field(description="Opaque; exchange it once at the token endpoint for a new pair.")
    scope: str


class OAuthErrorBody(BaseModel):
    """RFC 6749 §5.2 error, plus the request id of the logs."""

    error: str = Field(description="`invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type`, …")
    error_description: str
    request_id: str


def form_body(properties: Mapping[str, Mapping[str, Any]], required_names: list[str]) -> dict[str, Any]:
    """`openapi_extra` documenting a form-encoded request body (FastAPI cannot see it: the
    route reads the body itself)."""
    schema = {
        "type": "object",
        "properties": dict(properties),
        "required": required_names,
        "additionalProperties": {"type": "string"},  # other parameters are ignored (RFC 6749 §3.1), once each
    }
    return {"requestBody": {"required": True, "content": {FORM: {"schema": schema}}}}


def oauth_error_response(description: str, *, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"model": OAuthErrorBody, "description": description}
    if headers:
        entry["headers"] = {name: {"description": text, "schema": {"type": "string"}} for name, text in headers.items()}
    return entry
