"""Identity and time: the two sources of non-determinism the core depends on, as ports."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdFactory(Protocol):
    def new(self) -> UUID: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UUIDv7Factory:
    """RFC 9562 version 7 UUIDs: 48-bit Unix milliseconds, then random bits.

    Ids from one factory are strictly increasing (a 12-bit counter in `rand_a` orders ids made
    in the same millisecond), so they index well and sort by creation.
    """

    def __init__(self) -> None:
        self._last_ms = 0
        self._counter = 0

    def new(self) -> UUID:
        ms = time.time_ns() // 1_000_000
        if ms > self._last_ms:
            self._last_ms, self._counter = ms, int.from_bytes(os.urandom(2), "big") & 0x3FF
        else:
            self._counter += 1
            if self._counter > 0xFFF:  # counter exhausted: borrow the next millisecond
                self._last_ms, self._counter = self._last_ms + 1, 0
        value = (self._last_ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76
        value |= self._counter << 64
        value |= 0b10 << 62
        value |= int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        return UUID(int=value)
