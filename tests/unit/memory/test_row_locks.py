"""Row locks of the memory store: one holder per key until it lets go, bounded waits, and
nothing kept for keys nobody holds."""

from __future__ import annotations

import asyncio

import pytest

from adapters.memory.locks import HeldLocks, RowLocks
from upskill.domain.errors import TransactionConflict


async def test_a_second_holder_waits_for_the_first_to_let_go() -> None:
    locks, events = RowLocks(), []

    async def hold(name: str, seconds: float) -> None:
        held = HeldLocks(locks)
        await held.take("row")
        events.append(f"{name} took it")
        await asyncio.sleep(seconds)
        events.append(f"{name} let go")
        held.release_all()

    await asyncio.gather(hold("first", 0.05), hold("second", 0))
    assert events == ["first took it", "first let go", "second took it", "second let go"]
    assert len(locks) == 0


async def test_other_keys_do_not_wait() -> None:
    locks = RowLocks(timeout_s=0.5)
    first, second = HeldLocks(locks), HeldLocks(locks)
    await first.take("a")
    await asyncio.wait_for(second.take("b"), timeout=0.1)
    assert len(locks) == 2
    first.release_all()
    second.release_all()
    assert len(locks) == 0


async def test_taking_a_held_key_again_is_a_no_op() -> None:
    locks = RowLocks(timeout_s=0.1)
    held = HeldLocks(locks)
    await held.take("row")
    await held.take("row")
    held.release_all()
    other = HeldLocks(locks)
    await other.take("row")
    other.release_all()
    assert len(locks) == 0


async def test_a_wait_past_the_timeout_is_a_transaction_conflict() -> None:
    locks = RowLocks(timeout_s=0.05)
    holder, waiter = HeldLocks(locks), HeldLocks(locks)
    await holder.take("row")
    with pytest.raises(TransactionConflict):
        await waiter.take("row")
    holder.release_all()
    waiter.release_all()
    assert len(locks) == 0


async def test_a_cancelled_wait_leaves_nothing_behind() -> None:
    locks = RowLocks()
    holder = HeldLocks(locks)
    await holder.take("row")
    waiting = asyncio.ensure_future(HeldLocks(locks).take("row"))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    holder.release_all()
    assert len(locks) == 0
