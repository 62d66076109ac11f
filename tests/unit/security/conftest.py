from __future__ import annotations

import pytest

from adapters.security.keys import SigningKeys
from adapters.security.tokens import JoseTokenSigner
from tests.unit.security.forge import FrozenClock

ISSUER = "https://upskill.test"
AUDIENCE = "upskill-api"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def keys() -> SigningKeys:
    return SigningKeys.generate()


@pytest.fixture
def signer(keys: SigningKeys, clock: FrozenClock) -> JoseTokenSigner:
    return JoseTokenSigner(keys, issuer=ISSUER, audience=AUDIENCE, clock=clock)
