"""Access tokens: the round trip, and every way a token must be refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc.jwk import OKPKey

from adapters.security.keys import SigningKeys
from adapters.security.tokens import JoseTokenSigner
from tests.unit.security.conftest import AUDIENCE, ISSUER
from tests.unit.security.forge import FrozenClock, b64, forge, segments, unb64, valid_claims
from upskill.domain.errors import Unauthenticated

SUB, SID = uuid.UUID("0193a0a0-0000-7000-8000-00000000000a"), uuid.UUID("0193a0a0-0000-7000-8000-00000000000b")


def our_signature(keys: SigningKeys) -> Callable[[bytes], bytes]:
    private = keys.active.key.private_key
    assert isinstance(private, Ed25519PrivateKey)
    return private.sign


def hs256(secret: bytes) -> Callable[[bytes], bytes]:
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


def our_header(keys: SigningKeys, **changes: object) -> dict[str, object]:
    header: dict[str, object] = {"typ": "at+jwt", "alg": "EdDSA", "kid": keys.active.kid}
    header.update(changes)
    return {name: value for name, value in header.items() if value is not None}


def test_an_issued_token_verifies_to_the_claims_it_was_issued_with(signer: JoseTokenSigner, clock: FrozenClock) -> None:
    token, issued = signer.issue(SUB, SID, "manager", "employees:read")

    assert signer.verify(token) == issued
    assert (issued.sub, issued.sid, issued.role, issued.scope) == (SUB, SID, "manager", "employees:read")
    assert (issued.iss, issued.aud) == (ISSUER, AUDIENCE)
    assert issued.iat == issued.nbf == clock.now()
    assert issued.exp - issued.iat == timedelta(minutes=15)


def test_the_header_is_an_rfc_9068_access_token_header_naming_the_active_key(
    signer: JoseTokenSigner, keys: SigningKeys
) -> None:
    token, _ = signer.issue(SUB, SID, "employee", "")

    header, claims, _ = segments(token)
    assert header == {"typ": "at+jwt", "alg": "EdDSA", "kid": keys.active.kid}
    assert set(claims) == {"iss", "aud", "sub", "sid", "jti", "iat", "nbf", "exp", "scope", "role"}


def test_every_token_gets_its_own_jti(signer: JoseTokenSigner) -> None:
    jtis = {signer.issue(SUB, SID, "employee", "")[1].jti for _ in range(50)}
    assert len(jtis) == 50


def test_a_token_stays_valid_within_the_leeway_around_its_lifetime(signer: JoseTokenSigner, clock: FrozenClock) -> None:
    token, issued = signer.issue(SUB, SID, "employee", "")

    clock.advance(timedelta(minutes=15, seconds=29))
    assert signer.verify(token) == issued
    clock.advance(timedelta(minutes=-15, seconds=-29 - 29))
    assert signer.verify(token) == issued


def test_an_expired_token_is_refused(signer: JoseTokenSigner, clock: FrozenClock) -> None:
    token, _ = signer.issue(SUB, SID, "employee", "")
    clock.advance(timedelta(minutes=15, seconds=31))

    with pytest.raises(Unauthenticated, match="expired"):
        signer.verify(token)


def test_a_token_not_yet_valid_is_refused(signer: JoseTokenSigner, clock: FrozenClock) -> None:
    token, _ = signer.issue(SUB, SID, "employee", "")
    clock.advance(timedelta(seconds=-31))

    with pytest.raises(Unauthenticated):
        signer.verify(token)


@pytest.mark.parametrize(("issuer", "audience"), [(ISSUER, "another-api"), ("https://evil.test", AUDIENCE)])
def test_a_token_for_another_audience_or_from_another_issuer_is_refused(
    keys: SigningKeys, clock: FrozenClock, signer: JoseTokenSigner, issuer: str, audience: str
) -> None:
    other = JoseTokenSigner(keys, issuer=issuer, audience=audience, clock=clock)
    token, _ = other.issue(SUB, SID, "employee", "")

    with pytest.raises(Unauthenticated):
        signer.verify(token)


def test_a_token_signed_by_a_key_not_in_the_set_is_refused(signer: JoseTokenSigner, clock: FrozenClock) -> None:
    stranger = JoseTokenSigner(SigningKeys.generate(), issuer=ISSUER, audience=AUDIENCE, clock=clock)
    token, _ = stranger.issue(SUB, SID, "admin", "")

    with pytest.raises(Unauthenticated, match="unknown key"):
        signer.verify(token)


def test_alg_none_is_refused(signer: JoseTokenSigner, keys: SigningKeys, clock: FrozenClock) -> None:
    claims = valid_claims(issuer=ISSUER, audience=AUDIENCE, now=clock.now(), role="admin")
    for alg in ("none", "None", "NONE"):
        with pytest.raises(Unauthenticated):
            signer.verify(forge(our_header(keys, alg=alg), claims, None))


def test_hs256_signed_with_our_public_key_as_the_secret_is_refused(
    signer: JoseTokenSigner, keys: SigningKeys, clock: FrozenClock
) -> None:
    claims = valid_claims(issuer=ISSUER, audience=AUDIENCE, now=clock.now(), role="admin")
    public_jwk = keys.jwks()["keys"][0]  # type: ignore[index]
    secrets = [
        unb64(public_jwk["x"]),
        json.dumps(public_jwk).encode(),
        keys.active.key.as_pem(private=False),
    ]
    for secret in secrets:
        for header in (our_header(keys, alg="HS256"), our_header(keys, alg="HS256", kid=None)):
            token = forge(header, claims, hs256(secret))
            with pytest.raises(Unauthenticated):
                signer.verify(token)


def test_a_tampered_payload_is_refused(signer: JoseTokenSigner) -> None:
    token, _ = signer.issue(SUB, SID, "employee", "")
    header, payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    claims["role"] = "admin"

    with pytest.raises(Unauthenticated, match="signature"):
        signer.verify(f"{header}.{b64(json.dumps(claims).encode())}.{signature}")


def test_a_tampered_signature_is_refused(signer: JoseTokenSigner) -> None:
    token, _ = signer.issue(SUB, SID, "employee", "")
    header, payload, signature = token.split(".")
    flipped = bytearray(unb64(signature))
    flipped[0] ^= 0x01

    with pytest.raises(Unauthenticated, match="signature"):
        signer.verify(f"{header}.{payload}.{b64(bytes(flipped))}")


def test_a_hand_built_token_with_every_claim_verifies(
    signer: JoseTokenSigner, keys: SigningKeys, clock: FrozenClock
) -> None:
    """The control for the forged tokens below: each differs from this one in one way only."""
    claims = valid_claims(issuer=ISSUER, audience=AUDIENCE, now=clock.now())

    verified = signer.verify(forge(our_header(keys), claims, our_signature(keys)))

    assert (str(verified.sub), str(verified.sid), verified.jti) == (claims["sub"], claims["sid"], claims["jti"])


@pytest.mark.parametrize("missing", ["iss", "aud", "sub", "sid", "jti", "iat", "nbf", "exp", "scope", "role"])
def test_a_token_missing_any_claim_is_refused(
    signer: JoseTokenSigner, keys: SigningKeys, clock: FrozenClock, missing: str
) -> None:
    claims = valid_claims(issuer=ISSUER, audience=AUDIENCE, now=clock.now(), **{missing: None})

    with pytest.raises(Unauthenticated):
        signer.verify(forge(our_header(keys), claims, our_signature(keys)))


@pytest.mark.parametrize(
    "bad",
    [{"sub": "admin"}, {"sid": 42}, {"role": ["admin"]}, {"scope": None, "exp": "tomorrow"}, {"jti": ""}],
    ids=["sub-not-uuid", "sid-not-string", "role-not-string", "exp-not-number", "jti-blank"],
)
def test_a_token_with_a_malformed_claim_is_refused(
    signer: JoseTokenSigner, keys: SigningKeys, clock: FrozenClock, bad: dict[str, object]
) -> None:
    claims = valid_claims(issuer=ISSUER, audience=AUDIENCE, now=clock.now(), **bad)

    with pytest.raises(Unauthenticated):
        signer.verify(forge(our_header(keys), claims, our_signature(keys)))


@pytest.mark.parametrize("typ", ["JWT", "jwt", "at+JWT+x", None, 1])
def test_a_token_that_is_not_typed_as_an_access_token_is_refused(
    signer: JoseTokenSigner, keys: SigningKeys, clock: FrozenClock, typ: object
) -> None:
    claims = valid_claims(issuer=ISSUER, audience=AUDIENCE, now=clock.now())

    with pytest.raises(Unauthenticated):
        signer.verify(forge(our_header(keys, typ=typ), claims, our_signature(keys)))


def test_the_media_type_form_of_the_access_token_type_is_accepted(
    signer: JoseTokenSigner, keys: SigningKeys, clock: FrozenClock
) -> None:
    claims = valid_claims(issuer=ISSUER, audience=AUDIENCE, now=clock.now())

    verified = signer.verify(forge(our_header(keys, typ="application/AT+JWT"), claims, our_signature(keys)))

    assert verified.sub == uuid.UUID(str(claims["sub"]))


def test_a_key_embedded_in_the_header_is_never_trusted(
    signer: JoseTokenSigner, keys: SigningKeys, clock: FrozenClock
) -> None:
    attacker = OKPKey.generate_key("Ed25519")
    private = attacker.private_key
    assert isinstance(private, Ed25519PrivateKey)
    claims = valid_claims(issuer=ISSUER, audience=AUDIENCE, now=clock.now(), role="admin")
    embedded = attacker.as_dict(private=False)

    for kid in (attacker.thumbprint(), keys.active.kid, None):
        header = our_header(keys, kid=kid, jwk=embedded, jku="https://evil.test/jwks.json")
        with pytest.raises(Unauthenticated):
            signer.verify(forge(header, claims, private.sign))


@pytest.mark.parametrize("extra", [{"crit": ["b64"], "b64": False}, {"alg": "ES256"}])
def test_headers_we_never_issue_are_refused_even_when_signed_by_us(
    signer: JoseTokenSigner, keys: SigningKeys, clock: FrozenClock, extra: dict[str, object]
) -> None:
    claims = valid_claims(issuer=ISSUER, audience=AUDIENCE, now=clock.now())

    with pytest.raises(Unauthenticated):
        signer.verify(forge(our_header(keys, **extra), claims, our_signature(keys)))


@settings(max_examples=300, deadline=None)
@given(garbage=st.one_of(st.text(max_size=300), st.lists(st.text(max_size=80), min_size=3, max_size=3).map(".".join)))
def test_any_garbage_is_unauthenticated_and_nothing_else(garbage: str) -> None:
    with pytest.raises(Unauthenticated):
        GARBAGE_SIGNER.verify(garbage)


GARBAGE_SIGNER = JoseTokenSigner(SigningKeys.generate(), issuer=ISSUER, audience=AUDIENCE)
