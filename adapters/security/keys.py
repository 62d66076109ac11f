"""The keys that sign and verify access tokens: parsed and checked once, at start-up.

Ed25519 keys sign with EdDSA, P-256 keys with ES256; no other key type is accepted, so no
verifier can ever be handed an HMAC secret or an RSA key it would misuse. A key's `kid` is the
one its JWK names, else its RFC 7638 thumbprint.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from joserfc.jwk import ECKey, OKPKey

Key = OKPKey | ECKey

KEY_FILE = "access-token-keys.json"
"""The file `load_or_create` keeps its generated key set in, inside the folder it is given."""


@dataclass(frozen=True, slots=True)
class TokenKey:
    """One key with its id and the one algorithm it may be used with. `key` holds the private
    part only for the active key; verification keys are public-only."""

    kid: str
    alg: str
    key: Key


class SigningKeys:
    """The active key, which signs new tokens, and older keys that only verify them.

    Rotate by restarting with the new key active and the old one listed after it; remove the old
    one once every token it signed has expired (the access-token lifetime plus leeway).
    Raises ValueError at construction for a key that is not Ed25519 or P-256, an active key
    without its private part, a key meant for another use or algorithm, or two keys with one kid.
    """

    def __init__(self, active: Key, previous: Sequence[Key] = ()) -> None:
        if not active.is_private:
            raise ValueError("the active signing key must include its private part")
        self.active = TokenKey(active.kid or active.thumbprint(), _algorithm(active), active)
        self._by_kid: dict[str, TokenKey] = {}
        for key in (active, *previous):
            entry = TokenKey(key.kid or key.thumbprint(), _algorithm(key), _public(key))
            if entry.kid in self._by_kid:
                raise ValueError(f"two signing keys share the kid {entry.kid!r}")
            self._by_kid[entry.kid] = entry
        self._jwks: dict[str, object] = {
            "keys": [
                {**entry.key.as_dict(private=False), "kid": entry.kid, "alg": entry.alg, "use": "sig"}
                for entry in self._by_kid.values()
            ]
        }

    def find(self, kid: str) -> TokenKey | None:
        """The public key with this id, if it is one of ours."""
        return self._by_kid.get(kid)

    def jwks(self) -> dict[str, object]:
        """The public JWK set (no private members), active key first; a copy the caller may keep."""
        return copy.deepcopy(self._jwks)

    @classmethod
    def generate(cls) -> SigningKeys:
        """A set of one new Ed25519 key, kept nowhere: for tests and throwaway instances."""
        return cls(OKPKey.generate_key("Ed25519"))

    @classmethod
    def from_jwks(cls, jwks: str | Mapping[str, Any]) -> SigningKeys:
        """From a JWK set (JSON text or parsed). The key marked `"active": true`, else the first,
        signs; it must be private. The others verify only and may be public."""
        data = json.loads(jwks) if isinstance(jwks, str) else jwks
        members = data.get("keys") if isinstance(data, Mapping) else None
        if not isinstance(members, list) or not members or not all(isinstance(m, dict) for m in members):
            raise ValueError("a JWK set needs a non-empty list of keys")
        marked = [i for i, m in enumerate(members) if m.get("active") is True]
        if len(marked) > 1:
            raise ValueError("at most one key may be marked active")
        first = marked[0] if marked else 0
        ordered = [members[first], *members[:first], *members[first + 1 :]]
        keys = [_import_jwk({k: v for k, v in m.items() if k != "active"}) for m in ordered]
        return cls(keys[0], keys[1:])

    @classmethod
    def from_pem_files(cls, active: Path, previous: Sequence[Path] = ()) -> SigningKeys:
        """From PEM files: `active` a private key (PKCS#8 or SEC1, unencrypted); `previous` private
        or public keys that verify only."""
        return cls(_import_pem(active.read_bytes()), [_import_pem(p.read_bytes()) for p in previous])

    @classmethod
    def load_or_create(cls, folder: Path) -> SigningKeys:
        """Development keys: the JWK set kept in `folder`, made (one Ed25519 key, file mode 0600)
        the first time. Safe when several processes start at once: one file wins, all use it.
        Raises ValueError if the file is readable by anyone but its owner."""
        path = folder / KEY_FILE
        if not path.exists():
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            _create(path, OKPKey.generate_key("Ed25519"))
        if path.stat().st_mode & 0o077:
            raise ValueError(f"{path} holds a private key: make it readable by its owner only (chmod 600)")
        return cls.from_jwks(path.read_text(encoding="utf-8"))


def _algorithm(key: Key) -> str:
    if isinstance(key, OKPKey) and key.curve_name == "Ed25519":
        alg = "EdDSA"
    elif isinstance(key, ECKey) and key.curve_name == "P-256":
        alg = "ES256"
    else:
        raise ValueError("signing keys must be Ed25519 (EdDSA) or P-256 (ES256)")
    if key.alg not in (None, alg):
        raise ValueError(f"a {key.curve_name} key cannot be used with {key.alg}")
    if key.get("use") not in (None, "sig"):
        raise ValueError("a signing key must not be meant for encryption")
    return alg


def _public(key: Key) -> Key:
    if isinstance(key, OKPKey):
        return OKPKey.import_key(key.public_key)
    return ECKey.import_key(key.public_key)


def _import_jwk(member: dict[str, Any]) -> Key:
    kind = member.get("kty")
    if kind == "OKP":
        return OKPKey.import_key(member)
    if kind == "EC":
        return ECKey.import_key(member)
    raise ValueError(f"signing keys must be OKP (Ed25519) or EC (P-256), not {kind!r}")


def _import_pem(data: bytes) -> Key:
    native: Any
    if b"PRIVATE KEY-----" in data:
        native = serialization.load_pem_private_key(data, password=None)
    else:
        native = serialization.load_pem_public_key(data)
    if isinstance(native, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return OKPKey.import_key(native)
    if isinstance(native, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return ECKey.import_key(native)
    raise ValueError("signing keys must be Ed25519 (EdDSA) or P-256 (ES256)")


def _create(path: Path, key: OKPKey) -> None:
    """Writes the new key set beside `path` (mkstemp: mode 0600), then links it into place, which
    fails if another process got there first; readers never see a half-written file."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".keys-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump({"keys": [key.as_dict(private=True)]}, file)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another process made the key first: use theirs
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
