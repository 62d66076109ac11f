"""UUIDv7Factory: RFC 9562 version 7 ids, strictly increasing, carrying the creation time."""

from __future__ import annotations

import time
from itertools import pairwise

from upskill.domain.ids import UUIDv7Factory


def test_ids_are_version_7_of_the_rfc_variant() -> None:
    ids = UUIDv7Factory()
    for _ in range(100):
        value = ids.new()
        assert value.version == 7
        assert value.variant == "specified in RFC 4122"


def test_ids_of_one_factory_strictly_increase_even_within_a_millisecond() -> None:
    ids = UUIDv7Factory()
    made = [ids.new() for _ in range(20_000)]
    assert all(a < b for a, b in pairwise(made))
    assert len(set(made)) == len(made)


def test_an_id_carries_the_millisecond_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    value = UUIDv7Factory().new()
    after = time.time_ns() // 1_000_000
    assert before <= value.int >> 80 <= after + 1
