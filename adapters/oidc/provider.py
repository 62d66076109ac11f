"""The relying party, with authlib's OpenID Connect client: discovery from the issuer, the
authorization URL with PKCE S256, `state` and `nonce`, the code exchange (client secret, HTTP
Basic) and the ID token's verification by authlib (signature against the provider's JWKS,
cached and fetched again once on an unknown `kid`; `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`).

Nothing of the provider's answers is logged but a short reason; tokens never are.
"""

from __future__ import annotations

import asyncio
from typing import Any

from authlib.integrations.base_client import BaseApp, OAuthError
from authlib.integrations.base_client.async_app import AsyncOAuth2Mixin
from authlib.integrations.base_client.async_openid import AsyncOpenIDMixin
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc.errors import JoseError

from upskill.domain.errors import Unavailable
from upskill.domain.signin import ExternalIdentity, SignInRefused

try:  # the HTTP client authlib itself picks: httpx2 when installed, else httpx (deprecated by authlib)
    import httpx2 as http_client  # type: ignore[import-not-found, unused-ignore]
except ImportError:
    import httpx as http_client

DISCOVERY = "/.well-known/openid-configuration"
LEEWAY_S = 60
UNSAFE_ALGORITHMS = frozenset({"none", "HS256", "HS384", "HS512"})
"""Never accepted for ID tokens: unsigned, or signed with a secret the client shares."""


class _Client(AsyncOAuth2Mixin, AsyncOpenIDMixin, BaseApp):  # type: ignore[misc]
    """authlib's OpenID client without a web framework: nothing is kept in a cookie session
    (the pending login is stored by the service, in the database)."""

    client_cls = AsyncOAuth2Client


class AuthlibIdentityProvider:
    """Implements `upskill.domain.signin.IdentityProvider` for one issuer."""

    def __init__(
        self, *, issuer: str, client_id: str, client_secret: str, scopes: str, timeout_s: float = 10.0
    ) -> None:
        self.issuer, self._client_id = issuer, client_id
        self._client = _Client(
            None,
            name="company",
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=issuer.rstrip("/") + DISCOVERY,
            client_kwargs={
                "scope": scopes,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic",
                "timeout": timeout_s,
            },
        )
        self._loading = asyncio.Lock()

    async def _metadata(self) -> dict[str, Any]:
        """The discovery document, fetched once; its issuer must be the configured one
        (OpenID Connect Discovery §4.3), and unsigned or secret-signed ID tokens are never
        accepted whatever it advertises."""
        async with self._loading:
            fresh = "_loaded_at" not in self._client.server_metadata
            try:
                metadata: dict[str, Any] = await self._client.load_server_metadata()
            except (http_client.HTTPError, ValueError) as error:
                self._client.server_metadata.pop("_loaded_at", None)
                raise Unavailable(f"OpenID discovery failed: {type(error).__name__}") from None
            if fresh:
                if metadata.get("issuer") != self.issuer:
                    self._client.server_metadata.pop("_loaded_at", None)
                    raise Unavailable("The discovery document names another issuer.")
                algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
                metadata["id_token_signing_alg_values_supported"] = [
                    a for a in algorithms if a not in UNSAFE_ALGORITHMS
                ] or ["RS256"]
            return metadata

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        await self._metadata()
        created = await self._client.create_authorization_url(
            redirect_uri, state=state, nonce=nonce, code_verifier=code_verifier
        )
        return str(created["url"])

    async def redeem(self, *, redirect_uri: str, code: str, code_verifier: str, nonce: str) -> ExternalIdentity:
        await self._metadata()
        try:
            token = await self._client.fetch_access_token(
                redirect_uri=redirect_uri, code=code, code_verifier=code_verifier
            )
        except OAuthError as error:
            raise SignInRefused(f"token endpoint: {error.error}") from None
        except http_client.HTTPError as error:
            raise Unavailable(f"token endpoint unreachable: {type(error).__name__}") from None
        if "id_token" not in token:
            raise SignInRefused("no ID token")
        options = {
            "iss": {"essential": True, "value": self.issuer},
            "aud": {"essential": True, "value": self._client_id},
            "nonce": {"essential": True, "value": nonce},
        }
        try:
            claims = await self._client.parse_id_token(token, nonce=nonce, claims_options=options, leeway=LEEWAY_S)
        except JoseError as error:
            raise SignInRefused(f"ID token: {error.error}") from None
        except http_client.HTTPError as error:
            raise Unavailable(f"JWKS unreachable: {type(error).__name__}") from None
        except ValueError as error:  # a malformed token or key set
            raise SignInRefused(f"ID token: {type(error).__name__}") from None
        email = claims.get("email")
        return ExternalIdentity(
            issuer=str(claims["iss"]),
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) else None,
            email_verified=claims.get("email_verified") is True,
            claims=dict(claims),
        )
