"""Row locks, as PostgreSQL takes them for UPDATE and SELECT ... FOR UPDATE: a unit of work that
locks a row holds the lock until it commits or rolls back; any other unit of work that wants the
same row waits for it."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

from upskill.domain.errors import TransactionConflict

LOCK_TIMEOUT_S = 5.0
"""How long a unit of work waits for a row before it gives up (PostgreSQL would report a
deadlock or a statement timeout)."""


class RowLocks:
    """One lock per row key, shared by the units of work of a store. A lock exists only while
    some unit of work holds or waits for it, so locking never-seen keys leaks nothing."""

    def __init__(self, timeout_s: float = LOCK_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._users: dict[Hashable, int] = {}

    async def acquire(self, key: Hashable) -> None:
        """Waits until `key` is free and takes it. Raises TransactionConflict after `timeout_s`."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with asyncio.timeout(self.timeout_s):
                await lock.acquire()
        except TimeoutError:
            self._forget(key)
            raise TransactionConflict("Gave up waiting for a row another transaction holds.") from None
        except BaseException:
            self._forget(key)
            raise

    def release(self, key: Hashable) -> None:
        self._locks[key].release()
        self._forget(key)

    def __len__(self) -> int:
        """How many keys are held or waited for."""
        return len(self._locks)

    def _forget(self, key: Hashable) -> None:
        self._users[key] -= 1
        if not self._users[key]:
            del self._users[key]
            del self._locks[key]


class HeldLocks:
    """The row locks one unit of work holds: taking one it already holds is a no-op (PostgreSQL
    locks are re-entrant within a transaction); `release_all` ends them together."""

    def __init__(self, locks: RowLocks) -> None:
        self._locks = locks
        self._held: set[Hashable] = set()

    async def take(self, key: Hashable) -> None:
        if key in self._held:
            return
        await self._locks.acquire(key)
        self._held.add(key)

    def release_all(self) -> None:
        held, self._held = self._held, set()
        for key in held:
            self._locks.release(key)
