"""Company sign-in (OpenID Connect): what Upskill keeps while it brokers a login to the
company's identity provider, and the two ports it needs for that.

Secrets handed to a browser (the `state` sent to the provider, the one-time code sent to the
app) are stored only as their SHA-256 digest, like refresh tokens: 256 random bits each, so a
fast hash is right. What Upskill itself must replay to the provider (the nonce, its own PKCE
verifier) is stored as is, for the few minutes a login may take.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

PENDING_LIFETIME = timedelta(minutes=10)
CODE_LIFETIME = timedelta(seconds=60)


def new_secret() -> str:
    """256 random bits, URL-safe base64 (43 characters): states, nonces, verifiers, codes."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored for a secret handed to a browser: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))), without padding."""
    raw = hashlib.sha256(verifier.encode("ascii", "surrogateescape")).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def verifier_matches(verifier: str, challenge: str) -> bool:
    """Whether `verifier` is a well-formed RFC 7636 verifier (43 to 128 unreserved characters)
    whose S256 challenge is `challenge` (compared in constant time)."""
    if not 43 <= len(verifier) <= 128 or not set(verifier) <= _UNRESERVED:
        return False
    return hmac.compare_digest(s256(verifier), challenge)


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def is_s256_challenge(challenge: str) -> bool:
    """A challenge S256 can produce: 43 base64url characters."""
    return len(challenge) == 43 and set(challenge) <= _UNRESERVED - {".", "~"}


@dataclass(frozen=True, slots=True)
class PendingLogin:
    """A login sent to the provider and not back yet. Keyed by the digest of the `state` sent
    to the provider; taken once (deleted when the callback reads it)."""

    state_digest: str
    nonce: str
    code_verifier: str
    """Upskill's own PKCE verifier toward the provider."""
    client_id: str
    redirect_uri: str
    code_challenge: str
    """The app's S256 challenge, bound to the code it will get."""
    app_state: str | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    """A one-time code handed to an app (RFC 6749 §4.1.2), stored as its digest. `used_at` and
    `session_id` are set when it is exchanged: a second exchange revokes that session."""

    digest: str
    user_id: UUID
    client_id: str
    redirect_uri: str
    code_challenge: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    session_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class IdentityLink:
    """A user known to an identity provider: (issuer, subject) is unique."""

    issuer: str
    subject: str
    user_id: UUID
    created_at: datetime
    email: str | None = None


@dataclass(frozen=True, slots=True)
class ExternalIdentity:
    """The verified claims of a provider's ID token (signature, iss, aud, exp, nonce checked)."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    claims: Mapping[str, object]


class SignInStore(Protocol):
    """Pending logins, one-time codes and identity links, inside one unit of work."""

    async def add_pending(self, login: PendingLogin) -> None:
        """Stores a pending login; drops expired ones on the way."""
        ...

    async def take_pending(self, state_digest: str) -> PendingLogin | None:
        """The pending login with this state digest, deleted (single use: of two concurrent
        takers one gets it, the other None), or None. Expiry is the caller's to check."""
        ...

    async def add_code(self, code: AuthorizationCode) -> None: ...

    async def claim_code(self, digest: str) -> AuthorizationCode | None:
        """The code with this digest, locked until the unit of work ends (a concurrent claim
        waits and then sees what this one committed), or None."""
        ...

    async def use_code(self, digest: str, at: datetime, session_id: UUID | None) -> None:
        """Spend the code; `session_id` is the session its exchange opened (None: refused)."""
        ...

    async def user_by_link(self, issuer: str, subject: str) -> UUID | None: ...

    async def add_link(self, link: IdentityLink) -> None:
        """Raises Conflict when (issuer, subject) is linked already, InvalidReference when the
        user does not exist."""
        ...


class SignInRefused(Exception):
    """The provider's answer cannot be trusted or used (bad ID token, error from its token
    endpoint, replayed code…). `reason` is for logs and audit, never for the browser."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdentityProvider(Protocol):
    """The company's OpenID provider, as a relying party sees it."""

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the browser: the provider's authorization endpoint with response_type
        code, the scopes, `state`, `nonce` and the S256 challenge of `code_verifier`."""
        ...

    async def redeem(self, *, redirect_uri: str, code: str, code_verifier: str, nonce: str) -> ExternalIdentity:
        """Exchange the provider's code and verify its ID token (signature from the provider's
        JWKS, `iss`, `aud`, `exp`, `nonce`). Raises SignInRefused for anything wrong in the
        answer, Unavailable when the provider cannot be reached."""
        ...
