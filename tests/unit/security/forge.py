"""Hand-built JWS compact tokens, independent of the code under test, for attack tests."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

Signer = Callable[[bytes], bytes]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segments(token: str) -> tuple[dict[str, object], dict[str, object], bytes]:
    """(header, claims, signature) of a compact token, unverified."""
    header, payload, signature = token.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload)), unb64(signature)


def forge(header: Mapping[str, object], claims: Mapping[str, object], sign: Signer | None) -> str:
    """A compact JWS of `claims` under `header`, signed by `sign` (no signature if None)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = sign(signing_input.encode("ascii")) if sign is not None else b""
    return f"{signing_input}.{b64(signature)}"


def valid_claims(*, issuer: str, audience: str, now: datetime, **overrides: object) -> dict[str, object]:
    """Claims that would pass verification at `now`; `overrides` replace (or, as None, drop) some."""
    seconds = int(now.timestamp())
    claims: dict[str, object] = {
        "iss": issuer,
        "aud": audience,
        "sub": "0193a0a0-0000-7000-8000-000000000001",
        "sid": "0193a0a0-0000-7000-8000-000000000002",
        "jti": "forged-jti",
        "iat": seconds,
        "nbf": seconds,
        "exp": seconds + int(timedelta(minutes=15).total_seconds()),
        "scope": "",
        "role": "employee",
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


class FrozenClock:
    """A Clock that stands still until a test moves it."""

    def __init__(self, start: datetime = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta
