"""IdentityStore port: the login-failure count and lockout formula (`record_failure`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from tests.factories import BASE_TIME
from upskill.domain.identity import Lockout, LockoutPolicy
from upskill.domain.ports import UnitOfWorkFactory

POLICY = LockoutPolicy(threshold=3, base=timedelta(minutes=1), longest=timedelta(minutes=5))
KEY = "ada@example.com"


async def _fail(uow_factory: UnitOfWorkFactory, now: datetime, key: str = KEY) -> Lockout:
    async with uow_factory() as uow:
        state = await uow.identity.record_failure(key, now, POLICY)
        await uow.commit()
    return state


async def _state(uow_factory: UnitOfWorkFactory, key: str = KEY) -> Lockout:
    async with uow_factory() as uow:
        return await uow.identity.lockout(key)


async def test_an_unknown_key_has_no_failures(uow_factory: UnitOfWorkFactory) -> None:
    assert await _state(uow_factory) == Lockout()


async def test_failures_below_the_threshold_only_count(uow_factory: UnitOfWorkFactory) -> None:
    assert await _fail(uow_factory, BASE_TIME) == Lockout(failures=1)
    assert await _fail(uow_factory, BASE_TIME) == Lockout(failures=2)
    assert await _state(uow_factory) == Lockout(failures=2)
    assert await _state(uow_factory, "other@example.com") == Lockout()


async def test_reaching_the_threshold_locks_for_the_base_period(uow_factory: UnitOfWorkFactory) -> None:
    await _fail(uow_factory, BASE_TIME)
    await _fail(uow_factory, BASE_TIME)
    now = BASE_TIME + timedelta(seconds=30)
    locked = await _fail(uow_factory, now)
    assert locked == Lockout(failures=0, locked_until=now + timedelta(minutes=1), lockouts=1)
    assert await _state(uow_factory) == locked
    assert locked.locked(now + timedelta(seconds=59))
    assert not locked.locked(now + timedelta(minutes=1))


async def test_each_lockout_doubles_up_to_the_longest(uow_factory: UnitOfWorkFactory) -> None:
    periods = []
    now = BASE_TIME
    for _ in range(5):
        for _ in range(POLICY.threshold):
            state = await _fail(uow_factory, now)
        assert state.locked_until is not None
        periods.append(state.locked_until - now)
        now = state.locked_until + timedelta(seconds=1)
    assert [p // timedelta(minutes=1) for p in periods] == [1, 2, 4, 5, 5]
    assert (await _state(uow_factory)).lockouts == 5


async def test_a_failure_after_a_lockout_keeps_its_end(uow_factory: UnitOfWorkFactory) -> None:
    for _ in range(POLICY.threshold):
        locked = await _fail(uow_factory, BASE_TIME)
    again = await _fail(uow_factory, BASE_TIME + timedelta(seconds=1))
    assert again == Lockout(failures=1, locked_until=locked.locked_until, lockouts=1)


async def test_clearing_failures_keeps_the_lockout_history(uow_factory: UnitOfWorkFactory) -> None:
    for _ in range(POLICY.threshold + 2):
        await _fail(uow_factory, BASE_TIME)
    async with uow_factory() as uow:
        await uow.identity.clear_failures(KEY)
        await uow.identity.clear_failures("unknown@example.com")
        await uow.commit()
    cleared = await _state(uow_factory)
    assert (cleared.failures, cleared.lockouts) == (0, 1)
    assert await _state(uow_factory, "unknown@example.com") == Lockout()
    for _ in range(POLICY.threshold):
        state = await _fail(uow_factory, BASE_TIME + timedelta(hours=1))
    assert state.locked_until == BASE_TIME + timedelta(hours=1, minutes=2)  # the second lockout: doubled


async def test_concurrent_failures_all_count(uow_factory: UnitOfWorkFactory) -> None:
    policy = LockoutPolicy(threshold=100)

    async def fail() -> None:
        async with uow_factory() as uow:
            await uow.identity.record_failure(KEY, BASE_TIME, policy)
            await asyncio.sleep(0.01)
            await uow.commit()

    await asyncio.gather(*(fail() for _ in range(8)))
    assert await _state(uow_factory) == Lockout(failures=8)


async def test_concurrent_failures_lock_exactly_once(uow_factory: UnitOfWorkFactory) -> None:
    async def fail() -> Lockout:
        async with uow_factory() as uow:
            state = await uow.identity.record_failure(KEY, BASE_TIME, POLICY)
            await uow.commit()
        return state

    states = await asyncio.gather(*(fail() for _ in range(POLICY.threshold + 1)))
    assert sorted(s.failures for s in states) == [0, 1, 1, 2]
    assert await _state(uow_factory) == Lockout(failures=1, locked_until=BASE_TIME + POLICY.base, lockouts=1)
