"""The IdempotencyStore port in memory. Each operation is atomic (no await between its read and
its write); `mark_committed` is called by the unit of work inside its atomic commit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from adapters.memory.repository import round_trip
from upskill.domain.idempotency import Claim, KeyState, Lease, Remembered, StoredResponse


@dataclass(frozen=True, slots=True)
class KeyRow:
    fingerprint: str
    state: KeyState
    lease_until: datetime
    expires_at: datetime
    response: StoredResponse | None = None


IdempotencyTable = dict[tuple[UUID, str], KeyRow]


class MemoryIdempotencyStore:
    def __init__(self, table: IdempotencyTable) -> None:
        self._table = table

    async def claim(self, claim: Claim, fingerprint: str, lease: Lease) -> Remembered | None:
        await round_trip()
        key = (claim.user_id, claim.key)
        row = self._table.get(key)
        stale = row is not None and (
            row.expires_at <= lease.now
            or (row.state is KeyState.RUNNING and row.lease_until <= lease.now and row.fingerprint == fingerprint)
        )
        if row is None or stale:
            self._table[key] = KeyRow(fingerprint, KeyState.RUNNING, lease.until, lease.expires_at)
            return None
        return Remembered(row.fingerprint, row.state, row.response)

    async def complete(self, claim: Claim, response: StoredResponse) -> None:
        await round_trip()
        row = self._table.get((claim.user_id, claim.key))
        if row is not None:
            self._table[(claim.user_id, claim.key)] = replace(row, state=KeyState.DONE, response=response)

    async def release(self, claim: Claim) -> None:
        await round_trip()
        row = self._table.get((claim.user_id, claim.key))
        if row is not None and row.state is KeyState.RUNNING:
            del self._table[(claim.user_id, claim.key)]

    async def purge(self, now: datetime, limit: int) -> int:
        await round_trip()
        expired = [key for key, row in self._table.items() if row.expires_at <= now][:limit]
        for key in expired:
            del self._table[key]
        return len(expired)

    def mark_committed(self, claim: Claim) -> None:
        row = self._table.get((claim.user_id, claim.key))
        if row is not None and row.state is KeyState.RUNNING:
            self._table[(claim.user_id, claim.key)] = replace(row, state=KeyState.COMMITTED)
