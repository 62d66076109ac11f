"""Signing keys: loading, rotation, the published JWK set and the development key file."""

from __future__ import annotations

import hashlib
import json
import stat
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from joserfc.jwk import ECKey, OKPKey

from adapters.security.keys import KEY_FILE, SigningKeys
from adapters.security.tokens import JoseTokenSigner
from tests.unit.security.conftest import AUDIENCE, ISSUER
from tests.unit.security.forge import FrozenClock, b64, segments
from upskill.domain.errors import Unauthenticated

SUB, SID = uuid.uuid4(), uuid.uuid4()


def signer_for(keys: SigningKeys, clock: FrozenClock) -> JoseTokenSigner:
    return JoseTokenSigner(keys, issuer=ISSUER, audience=AUDIENCE, clock=clock)


def public_members(jwks: dict[str, object]) -> list[dict[str, str]]:
    members = jwks["keys"]
    assert isinstance(members, list)
    return members


def test_a_token_of_the_previous_key_verifies_while_that_key_is_kept_and_fails_once_it_is_removed(
    clock: FrozenClock,
) -> None:
    old, new = OKPKey.generate_key("Ed25519"), OKPKey.generate_key("Ed25519")
    old_token, old_claims = signer_for(SigningKeys(old), clock).issue(SUB, SID, "employee", "")

    rotated = signer_for(SigningKeys(new, [old]), clock)
    assert rotated.verify(old_token) == old_claims
    new_token, _ = rotated.issue(SUB, SID, "employee", "")
    assert segments(new_token)[0]["kid"] == new.thumbprint()

    retired = signer_for(SigningKeys(new), clock)
    assert retired.verify(new_token).sub == SUB
    with pytest.raises(Unauthenticated):
        retired.verify(old_token)


def test_the_jwks_publishes_every_key_public_only_active_first() -> None:
    old_ec, active = ECKey.generate_key("P-256"), OKPKey.generate_key("Ed25519")

    members = public_members(SigningKeys(active, [old_ec]).jwks())

    assert [(m["kid"], m["alg"], m["use"]) for m in members] == [
        (active.thumbprint(), "EdDSA", "sig"),
        (old_ec.thumbprint(), "ES256", "sig"),
    ]
    assert all("d" not in m and set(m) <= {"kty", "crv", "x", "y", "kid", "alg", "use"} for m in members)


def test_the_kid_is_the_rfc_7638_thumbprint() -> None:
    keys = SigningKeys.generate()
    member = public_members(keys.jwks())[0]
    canonical = json.dumps({"crv": member["crv"], "kty": member["kty"], "x": member["x"]}, separators=(",", ":"))

    assert keys.active.kid == member["kid"] == b64(hashlib.sha256(canonical.encode()).digest())


def test_a_jwk_set_signs_with_its_first_key_unless_another_is_marked_active(clock: FrozenClock) -> None:
    first, second = OKPKey.generate_key("Ed25519"), ECKey.generate_key("P-256")
    members = [first.as_dict(private=True), second.as_dict(private=True)]

    assert SigningKeys.from_jwks({"keys": members}).active.kid == first.thumbprint()
    marked = SigningKeys.from_jwks(json.dumps({"keys": [members[0], {**members[1], "active": True}]}))
    assert marked.active.kid == second.thumbprint()
    token, _ = signer_for(marked, clock).issue(SUB, SID, "employee", "")
    assert segments(token)[0]["alg"] == "ES256"
    assert [m["kid"] for m in public_members(marked.jwks())] == [second.thumbprint(), first.thumbprint()]


def test_a_verify_only_key_may_be_public_and_keeps_the_kid_its_jwk_names(clock: FrozenClock) -> None:
    old = OKPKey.generate_key("Ed25519")
    old_token, _ = signer_for(
        SigningKeys.from_jwks({"keys": [{**old.as_dict(private=True), "kid": "2029-q4"}]}), clock
    ).issue(SUB, SID, "employee", "")
    members = [OKPKey.generate_key("Ed25519").as_dict(private=True), {**old.as_dict(private=False), "kid": "2029-q4"}]

    keys = SigningKeys.from_jwks({"keys": members})

    assert signer_for(keys, clock).verify(old_token).sub == SUB
    assert public_members(keys.jwks())[1]["kid"] == "2029-q4"


@pytest.mark.parametrize(
    "members",
    [
        [],
        [OKPKey.generate_key("Ed25519").as_dict(private=False)],
        [{"kty": "oct", "k": b64(b"0123456789abcdef0123456789abcdef")}],
        [OKPKey.generate_key("X25519").as_dict(private=True)],
        [ECKey.generate_key("P-384").as_dict(private=True)],
        [{**OKPKey.generate_key("Ed25519").as_dict(private=True), "alg": "ES256"}],
        [{**OKPKey.generate_key("Ed25519").as_dict(private=True), "use": "enc"}],
        [{**OKPKey.generate_key("Ed25519").as_dict(private=True), "kid": "same"}] * 2,
        [{**OKPKey.generate_key("Ed25519").as_dict(private=True), "active": True}] * 2,
    ],
    ids=["empty", "active-public", "hmac", "x25519", "p384", "wrong-alg", "enc-use", "duplicate-kid", "two-active"],
)
def test_an_unusable_jwk_set_is_refused_at_start_up(members: list[dict[str, object]]) -> None:
    with pytest.raises(ValueError, match=r".+"):
        SigningKeys.from_jwks({"keys": members})


def test_pem_files_give_an_active_key_and_verify_only_keys(tmp_path: Path, clock: FrozenClock) -> None:
    old, new = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "old.pem").write_bytes(
        old.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "new.pem").write_bytes(
        new.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    old_token, _ = signer_for(SigningKeys(OKPKey.import_key(old)), clock).issue(SUB, SID, "employee", "")

    keys = SigningKeys.from_pem_files(tmp_path / "new.pem", [tmp_path / "old.pem"])

    assert keys.active.kid == OKPKey.import_key(new).thumbprint()
    assert signer_for(keys, clock).verify(old_token).sub == SUB
    assert len(public_members(keys.jwks())) == 2


def test_an_rsa_pem_is_refused(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "rsa.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    with pytest.raises(ValueError, match="Ed25519"):
        SigningKeys.from_pem_files(path)


def test_the_development_key_is_made_once_owner_only_and_then_reused(tmp_path: Path) -> None:
    folder = tmp_path / ".data" / "keys"

    made = SigningKeys.load_or_create(folder)
    again = SigningKeys.load_or_create(folder)

    assert made.active.kid == again.active.kid
    assert made.active.alg == "EdDSA"
    assert stat.S_IMODE((folder / KEY_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in folder.iterdir()] == [KEY_FILE]


def test_a_development_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    SigningKeys.load_or_create(tmp_path)
    (tmp_path / KEY_FILE).chmod(0o644)

    with pytest.raises(ValueError, match="chmod 600"):
        SigningKeys.load_or_create(tmp_path)
