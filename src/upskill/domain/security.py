"""Credential primitives as ports: password hashing and access-token signing.

The adapters (argon2id through pwdlib, JWT through joserfc) live in `adapters/security`; the
authentication use cases depend only on these Protocols. Refresh tokens need nothing but the
standard library, so their two functions live here.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from upskill.domain.errors import FieldError


class PasswordHasher(Protocol):
    """Slow, salted password hashing that never blocks the event loop.

    Every hash carries its own parameters, so hashes made with older parameters keep verifying;
    `verify` hands back a fresh hash when the stored one is due for an upgrade.
    """

    async def hash(self, password: str) -> str:
        """A new salted hash. Raises InvariantViolation(field="password") for a password that is
        not valid text or is over the byte limit; the strength rules are `check_strength`'s."""
        ...

    async def verify(self, password: str, hash: str) -> tuple[bool, str | None]:
        """(whether `password` matches `hash`, a new hash to store if it matches and `hash` was
        made with other parameters, else None). A malformed `hash` is a mismatch, not an error."""
        ...

    async def dummy_verify(self) -> None:
        """The work of one failing `verify`, for a login whose account does not exist, so that an
        unknown email costs the same time as a wrong password."""
        ...

    def check_strength(self, password: str) -> list[FieldError]:
        """Why `password` may not be chosen (errors on field "password"); empty if it may."""
        ...


@dataclass(frozen=True, slots=True)
class AccessTokenClaims:
    """The verified content of an access token (RFC 9068 JWT). Times are timezone-aware UTC,
    whole seconds. `sub` is the user, `sid` the session the token was issued for."""

    sub: UUID
    sid: UUID
    jti: str
    role: str
    scope: str
    iat: datetime
    nbf: datetime
    exp: datetime
    iss: str
    aud: str


class TokenSigner(Protocol):
    """Issues and verifies signed, self-contained access tokens.

    A valid signature says only that this service issued the token: whether its session is
    still live is for the caller to check (`sid`).
    """

    def issue(self, sub: UUID, sid: UUID, role: str, scope: str) -> tuple[str, AccessTokenClaims]:
        """A new token, signed with the active key, valid from now for the configured lifetime."""
        ...

    def verify(self, token: str) -> AccessTokenClaims:
        """The claims of a valid token. Raises Unauthenticated for every invalid one (malformed,
        bad signature, unknown key, wrong algorithm, type, issuer or audience, expired, not yet
        valid, a claim missing), whatever the cause."""
        ...

    def jwks(self) -> dict[str, object]:
        """The public keys that verify tokens (RFC 7517 JWK set), for `/.well-known/jwks.json`."""
        ...


def new_refresh_token() -> str:
    """A new opaque refresh token: 256 random bits, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """What is stored for a refresh token (and looked up on presentation): its SHA-256, hex.

    A fast, unsalted hash is correct here, unlike for passwords: the token is 256 random bits,
    so no dictionary or brute-force attack on a leaked digest is feasible, and the lookup must be
    deterministic to find the row by its digest. Any string is accepted (a presented token is
    untrusted input); one that was never issued simply matches no row.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
