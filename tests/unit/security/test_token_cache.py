"""The verified-token cache: a token whose signature was checked once is not checked again,
but is refused exactly when a full verification would refuse it (expired, not yet valid, its
key retired), and a token that differs by one byte is never served from the cache."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from joserfc import jws

from adapters.security.keys import SigningKeys
from adapters.security.tokens import JoseTokenSigner
from tests.unit.security.conftest import AUDIENCE, ISSUER
from tests.unit.security.forge import FrozenClock
from upskill.domain.errors import Unauthenticated

SUB, SID = uuid.uuid4(), uuid.uuid4()


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The signatures checked (every call of joserfc's signature validation)."""
    seen: list[bytes] = []
    original = jws.validate_compact

    def counting(compact: jws.CompactSignature, *args: Any, **kwargs: Any) -> bool:
        seen.append(compact.payload or b"")
        return bool(original(compact, *args, **kwargs))

    monkeypatch.setattr(jws, "validate_compact", counting)
    return seen


def test_a_token_presented_again_is_not_checked_again(signer: JoseTokenSigner, checks: list[bytes]) -> None:
    token, issued = signer.issue(SUB, SID, "employee", "")
    other, _ = signer.issue(SUB, SID, "employee", "")

    assert [signer.verify(token) for _ in range(3)] == [issued] * 3
    signer.verify(other)

    assert len(checks) == 2


def test_a_remembered_token_is_refused_once_expired(signer: JoseTokenSigner, clock: FrozenClock) -> None:
    token, _ = signer.issue(SUB, SID, "employee", "")
    signer.verify(token)
    clock.advance(timedelta(minutes=15, seconds=30))
    signer.verify(token)  # the edge of the leeway still passes, as an uncached check would

    clock.advance(timedelta(seconds=1))
    with pytest.raises(Unauthenticated, match="expired"):
        signer.verify(token)


def test_a_remembered_token_is_refused_before_it_is_valid(signer: JoseTokenSigner, clock: FrozenClock) -> None:
    token, _ = signer.issue(SUB, SID, "employee", "")
    signer.verify(token)
    clock.advance(timedelta(seconds=-31))

    with pytest.raises(Unauthenticated):
        signer.verify(token)


def test_a_remembered_token_is_refused_once_its_key_is_no_longer_ours(clock: FrozenClock) -> None:
    keys = SigningKeys.generate()
    signer = JoseTokenSigner(keys, issuer=ISSUER, audience=AUDIENCE, clock=clock)
    token, _ = signer.issue(SUB, SID, "employee", "")
    signer.verify(token)
    keys._by_kid.clear()  # what a key set without the token's key would answer

    with pytest.raises(Unauthenticated):
        signer.verify(token)


def test_a_token_one_byte_off_a_remembered_one_is_checked_and_refused(signer: JoseTokenSigner) -> None:
    token, _ = signer.issue(SUB, SID, "employee", "")
    signer.verify(token)
    forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]

    with pytest.raises(Unauthenticated):
        signer.verify(forged)


def test_the_cache_forgets_the_oldest_token_when_full(
    keys: SigningKeys, clock: FrozenClock, checks: list[bytes]
) -> None:
    signer = JoseTokenSigner(keys, issuer=ISSUER, audience=AUDIENCE, clock=clock, cache_size=2)
    first, second, third = (signer.issue(SUB, SID, "employee", "")[0] for _ in range(3))
    for token in (first, second, third, third, second):
        signer.verify(token)
    assert len(checks) == 3  # the last two were remembered

    signer.verify(first)  # forgotten when the third came in
    assert len(checks) == 4


def test_a_signer_without_a_cache_checks_every_time(keys: SigningKeys, clock: FrozenClock, checks: list[bytes]) -> None:
    signer = JoseTokenSigner(keys, issuer=ISSUER, audience=AUDIENCE, clock=clock, cache_size=0)
    token, _ = signer.issue(SUB, SID, "employee", "")
    for _ in range(3):
        signer.verify(token)
    assert len(checks) == 3
