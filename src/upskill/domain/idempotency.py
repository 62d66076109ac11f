"""Safe retries (API.md, "Safe retries"): a caller's Idempotency-Key remembers the first
successful response to a POST for a while, so that a retry replays it instead of writing again.

A key moves `running` (claimed by a request in flight) → `committed` (its write committed: set
in the write's own transaction, by the unit of work, while `CLAIM` names the key) → `done` (the
response is stored). A request that fails lets its key go; one whose process dies before its
write committed is taken over once its lease ends; one that died after can never run twice.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class KeyState(StrEnum):
    RUNNING = "running"
    COMMITTED = "committed"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class Remembered:
    """What the store holds for a key another request claimed first."""

    fingerprint: str
    state: KeyState
    response: StoredResponse | None


@dataclass(frozen=True, slots=True)
class Claim:
    user_id: UUID
    key: str


@dataclass(frozen=True, slots=True)
class Lease:
    """A claim's times: in flight until `until` (then another request may take it over if no
    write committed), remembered until `expires_at`."""

    now: datetime
    until: datetime
    expires_at: datetime


CLAIM: ContextVar[Claim | None] = ContextVar("idempotency_claim", default=None)
"""The key of the request being served, if it carries one: every unit of work that commits
while it is set marks the key `committed` in the same transaction."""
