from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.security.passwords import Argon2PasswordHasher
from tests.unit.demo.world import DemoWorld, cheap_hasher


@pytest.fixture(scope="module")
def hasher() -> Iterator[Argon2PasswordHasher]:
    made = cheap_hasher()
    yield made
    made.close()


@pytest.fixture
def world(hasher: Argon2PasswordHasher) -> DemoWorld:
    return DemoWorld(hasher)
