"""Public, cacheable discovery documents: the JWK set that verifies access tokens (RFC 7517) and
the authorization-server metadata (RFC 8414), with absolute URLs built from the issuer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from adapters.http.paths import (
    AUTHORIZE_PATH,
    DOCS_PATH,
    INTROSPECT_PATH,
    JWKS_PATH,
    METADATA_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
)
from adapters.http.problems import problem_responses
from adapters.http.responses import JsonResponse
from upskill.domain.security import TokenSigner
from upskill.services.issuing import SCOPE

PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


def metadata(issuer: str, *, sign_in: bool = False, password: bool = True) -> dict[str, Any]:
    """RFC 8414 §2 for this service: public clients only, the password grant (unless turned
    off), refresh tokens, and with company sign-in the authorization endpoint (code + PKCE S256)."""
    base = issuer.rstrip("/")
    grants = [*(["password"] if password else []), "refresh_token", *(["authorization_code"] if sign_in else [])]
    flow: dict[str, Any] = {"response_types_supported": []}
    if sign_in:
        flow = {
            "authorization_endpoint": base + AUTHORIZE_PATH,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
        }
    return {
        "issuer": base,
        **flow,
        "token_endpoint": base + TOKEN_PATH,
        "jwks_uri": base + JWKS_PATH,
        "revocation_endpoint": base + REVOKE_PATH,
        "introspection_endpoint": base + INTROSPECT_PATH,
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": [SCOPE],
        "service_documentation": base + DOCS_PATH,
    }


def discovery_router(signer: TokenSigner, issuer: str, *, sign_in: bool = False, password: bool = True) -> APIRouter:
    router = APIRouter(tags=["authentication"])
    described = metadata(issuer, sign_in=sign_in, password=password)

    @router.get(JWKS_PATH, response_class=JsonResponse, responses=problem_responses(500))
    async def jwks() -> Response:
        """The public keys that verify access tokens: the active one and older ones whose tokens
        may still be live. Pick the key by the token's `kid`."""
        return JsonResponse(signer.jwks(), headers=PUBLIC_CACHE)

    @router.get(METADATA_PATH, response_class=JsonResponse, responses=problem_responses(500))
    async def authorization_server() -> Response:
        """RFC 8414 authorization-server metadata."""
        return JsonResponse(described, headers=PUBLIC_CACHE)

    return router
