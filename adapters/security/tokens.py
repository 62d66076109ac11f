"""JWT access tokens (RFC 9068, `typ: at+jwt`) signed with the service's keys through joserfc."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from joserfc import jws
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwa import EdDSAAlgorithm
from joserfc.jws import JWSRegistry
from joserfc.jwt import JWTClaimsRegistry

from adapters.security.keys import SigningKeys
from upskill.domain.errors import Unauthenticated
from upskill.domain.ids import Clock, SystemClock
from upskill.domain.security import AccessTokenClaims

TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
"""The `typ` values RFC 9068 §4 lets a resource server accept (compared case-insensitively)."""

REFUSED_HEADERS = frozenset({"crit", "b64"})
"""Header parameters this service never issues: extensions and RFC 7797 unencoded payloads."""

VERIFIED_CACHE_SIZE = 4096
"""How many verified tokens `verify` remembers (about 1 KiB each)."""


class _EdDSA(EdDSAAlgorithm):
    """RFC 8037 EdDSA, without joserfc's warning on every use that RFC 9864 deprecates the name:
    the fully-specified "Ed25519" is not yet understood by common verifiers (PyJWT, jose)."""

    security_warning = ""  # falsy: joserfc warns only when this is set


def _registry() -> JWSRegistry:
    """A registry that knows only the asymmetric algorithms our keys use: "none", HS* and the
    rest are not even looked up."""
    registry = JWSRegistry(algorithms=["EdDSA", "ES256"])
    registry.algorithms = {"EdDSA": _EdDSA(), "ES256": JWSRegistry.algorithms["ES256"]}
    return registry


class JoseTokenSigner:
    """TokenSigner for JWT access tokens carrying iss, aud, sub, sid, jti, iat, nbf, exp, scope
    and role, each required on verification.

    Verification trusts only `keys`: the key is chosen by the header's `kid` among ours and must
    match the header's `alg`; `jwk`, `jku`, `x5u` and `x5c` header parameters are never used.
    Clock skew of up to `leeway` is tolerated on exp, nbf and iat.

    A token that verified is remembered (by its exact text, up to `cache_size` of them, the
    oldest forgotten first) with its claims, its key id and its validity window, so the same
    token presented again costs a dictionary look-up instead of an Ed25519 check (~0.15 ms,
    a tenth of a request): only a token byte-for-byte identical to one whose signature was
    checked can hit, and a hit is refused once the token expires or its key is no longer
    ours, exactly as a full verification would. Revocation is not the signer's business: the
    access gate checks the session on every request, cached or not.
    """

    def __init__(
        self,
        keys: SigningKeys,
        *,
        issuer: str,
        audience: str,
        lifetime: timedelta = timedelta(minutes=15),
        leeway: timedelta = timedelta(seconds=30),
        clock: Clock = SystemClock(),
        cache_size: int = VERIFIED_CACHE_SIZE,
    ) -> None:
        self._keys = keys
        self._leeway = int(leeway.total_seconds())
        self._cache_size = cache_size
        self._verified: dict[str, tuple[AccessTokenClaims, str, int, int]] = {}
        self._issuer = issuer
        self._audience = audience
        self._lifetime = timedelta(seconds=int(lifetime.total_seconds()))
        self._clock = clock
        self._registry = _registry()
        self._claims = JWTClaimsRegistry(
            now=self._now,
            leeway=int(leeway.total_seconds()),
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            sub={"essential": True},
            sid={"essential": True},
            jti={"essential": True},
            iat={"essential": True},
            nbf={"essential": True},
            exp={"essential": True},
            scope={"essential": True, "allow_blank": True},
            role={"essential": True},
        )

    def issue(self, sub: UUID, sid: UUID, role: str, scope: str) -> tuple[str, AccessTokenClaims]:
        now = self._clock.now().astimezone(UTC).replace(microsecond=0)
        claims = AccessTokenClaims(
            sub=sub,
            sid=sid,
            jti=secrets.token_urlsafe(16),
            role=role,
            scope=scope,
            iat=now,
            nbf=now,
            exp=now + self._lifetime,
            iss=self._issuer,
            aud=self._audience,
        )
        payload = {
            "iss": claims.iss,
            "aud": claims.aud,
            "sub": str(sub),
            "sid": str(sid),
            "jti": claims.jti,
            "iat": int(claims.iat.timestamp()),
            "nbf": int(claims.nbf.timestamp()),
            "exp": int(claims.exp.timestamp()),
            "scope": scope,
            "role": role,
        }
        signing = self._keys.active
        header = {"typ": "at+jwt", "alg": signing.alg, "kid": signing.kid}
        token = jws.serialize_compact(
            header, json.dumps(payload, separators=(",", ":")), signing.key, registry=self._registry
        )
        return token, claims

    def verify(self, token: str) -> AccessTokenClaims:
        remembered = self._verified.get(token)
        if remembered is not None:
            claims, kid, not_before, expires = remembered
            now = self._now()
            if not_before - self._leeway <= now <= expires + self._leeway and self._keys.find(kid) is not None:
                return claims
            del self._verified[token]
        try:
            claims, kid = self._verify(token)
        except ExpiredTokenError as error:
            raise Unauthenticated("access token expired") from error
        except (JoseError, ValueError, TypeError, KeyError, OverflowError, OSError) as error:
            raise Unauthenticated("invalid access token") from error
        if self._cache_size > 0:
            if len(self._verified) >= self._cache_size:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = (claims, kid, int(claims.nbf.timestamp()), int(claims.exp.timestamp()))
        return claims

    def jwks(self) -> dict[str, object]:
        return self._keys.jwks()

    def _verify(self, token: str) -> tuple[AccessTokenClaims, str]:
        compact = jws.extract_compact(token.encode("ascii"), registry=self._registry)
        header = compact.headers()
        kind, kid = header.get("typ"), header.get("kid")
        if not isinstance(kind, str) or kind.lower() not in TOKEN_TYPES:
            raise Unauthenticated("invalid access token: not an access token (typ)")
        if not isinstance(kid, str) or (key := self._keys.find(kid)) is None:
            raise Unauthenticated("invalid access token: unknown key")
        if header.get("alg") != key.alg or not REFUSED_HEADERS.isdisjoint(header):
            raise Unauthenticated("invalid access token: algorithm or header not allowed")
        if not jws.validate_compact(compact, key.key, registry=self._registry):
            raise Unauthenticated("invalid access token: bad signature")
        claims: Any = json.loads(compact.payload or b"")
        if not isinstance(claims, dict):
            raise Unauthenticated("invalid access token: claims are not an object")
        self._claims.validate(claims)
        verified = AccessTokenClaims(
            sub=UUID(_text(claims, "sub")),
            sid=UUID(_text(claims, "sid")),
            jti=_text(claims, "jti"),
            role=_text(claims, "role"),
            scope=_text(claims, "scope"),
            iat=_time(claims["iat"]),
            nbf=_time(claims["nbf"]),
            exp=_time(claims["exp"]),
            iss=self._issuer,
            aud=self._audience,
        )
        return verified, kid

    def _now(self) -> int:
        return int(self._clock.now().timestamp())


def _text(claims: dict[str, Any], name: str) -> str:
    value = claims[name]
    if not isinstance(value, str):
        raise Unauthenticated(f"invalid access token: {name} is not a string")
    return value


def _time(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)
