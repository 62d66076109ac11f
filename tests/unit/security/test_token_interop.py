"""An independent JOSE implementation (PyJWT) agrees with ours, both ways."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from joserfc.jwk import ECKey, OKPKey

from adapters.security.keys import Key, SigningKeys
from adapters.security.tokens import JoseTokenSigner
from tests.unit.security.conftest import AUDIENCE, ISSUER

SUB, SID = uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize(
    ("key", "alg"), [(OKPKey.generate_key("Ed25519"), "EdDSA"), (ECKey.generate_key("P-256"), "ES256")]
)
def test_pyjwt_verifies_our_token_with_nothing_but_the_published_jwks(key: Key, alg: str) -> None:
    signer = JoseTokenSigner(SigningKeys(key), issuer=ISSUER, audience=AUDIENCE)
    token, issued = signer.issue(SUB, SID, "manager", "employees:read")
    published = signer.jwks()["keys"][0]  # type: ignore[index]

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(
        token,
        jwt.PyJWK(published),
        algorithms=[alg],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["iss", "aud", "sub", "sid", "jti", "iat", "nbf", "exp", "scope", "role"]},
    )

    assert header == {"typ": "at+jwt", "alg": alg, "kid": published["kid"]}
    assert (claims["sub"], claims["sid"], claims["jti"]) == (str(SUB), str(SID), issued.jti)
    assert datetime.fromtimestamp(claims["exp"], UTC) == issued.exp


def test_we_verify_a_token_pyjwt_signed_with_our_key() -> None:
    keys = SigningKeys.generate()
    signer = JoseTokenSigner(keys, issuer=ISSUER, audience=AUDIENCE)
    now = datetime.now(UTC).replace(microsecond=0)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(SUB),
        "sid": str(SID),
        "jti": "pyjwt",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "scope": "",
        "role": "employee",
    }
    token = jwt.encode(
        claims,
        keys.active.key.as_pem(private=True),
        algorithm="EdDSA",
        headers={"typ": "at+jwt", "kid": keys.active.kid},
    )

    verified = signer.verify(token)

    assert (verified.sub, verified.sid, verified.jti, verified.exp) == (SUB, SID, "pyjwt", now + timedelta(minutes=5))
