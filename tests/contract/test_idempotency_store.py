"""IdempotencyStore port: claims, take-over of expired or abandoned keys, and the mark a
committing unit of work makes on the key of its request, in its own transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from tests.factories import department
from upskill.domain.idempotency import CLAIM, Claim, KeyState, Lease, Remembered, StoredResponse
from upskill.domain.organisation import Department
from upskill.domain.ports import UnitOfWorkFactory

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
USER = UUID("01900000-0000-7000-8000-0000000000aa")
KEY = Claim(USER, "key-1")
LEASE = Lease(NOW, NOW + timedelta(seconds=60), NOW + timedelta(days=1))
RESPONSE = StoredResponse(201, (("content-type", "application/json"), ("location", "/x")), b'{"a":1}')


async def _claim(
    uow_factory: UnitOfWorkFactory, fingerprint: str = "f1", lease: Lease = LEASE, claim: Claim = KEY
) -> Remembered | None:
    async with uow_factory() as uow:
        found = await uow.idempotency.claim(claim, fingerprint, lease)
        await uow.commit()
    return found


async def test_the_first_claim_wins_the_others_see_it(uow_factory: UnitOfWorkFactory) -> None:
    assert await _claim(uow_factory) is None
    seen = await _claim(uow_factory, "f2")
    assert seen is not None
    assert (seen.fingerprint, seen.state, seen.response) == ("f1", KeyState.RUNNING, None)
    assert await _claim(uow_factory, claim=Claim(UUID(int=1), "key-1")) is None  # per user
    async with uow_factory() as uow:
        await uow.idempotency.complete(KEY, RESPONSE)
        await uow.commit()
    done = await _claim(uow_factory)
    assert done is not None
    assert (done.state, done.response) == (KeyState.DONE, RESPONSE)


async def test_a_released_expired_or_abandoned_key_can_be_claimed_again(uow_factory: UnitOfWorkFactory) -> None:
    await _claim(uow_factory)
    async with uow_factory() as uow:
        await uow.idempotency.release(KEY)
        await uow.commit()
    assert await _claim(uow_factory) is None
    later = Lease(LEASE.until, LEASE.until + timedelta(seconds=60), LEASE.expires_at)
    assert await _claim(uow_factory, "other", later) is not None  # abandoned: only the same request takes over
    assert await _claim(uow_factory, "f1", later) is None
    expired = Lease(LEASE.expires_at, LEASE.expires_at + timedelta(seconds=60), LEASE.expires_at + timedelta(days=1))
    assert await _claim(uow_factory, "new", expired) is None
    async with uow_factory() as uow:
        assert await uow.idempotency.purge(LEASE.expires_at + timedelta(days=2), 10) == 1
        await uow.commit()


@pytest.mark.parametrize("deferred", [False, True], ids=["sent", "deferred"])
async def test_a_committing_write_marks_its_key_and_a_rollback_does_not(
    uow_factory: UnitOfWorkFactory, deferred: bool
) -> None:
    await _claim(uow_factory)
    token = CLAIM.set(KEY)
    try:
        async with uow_factory() as uow:
            await uow.repository(Department).add(department(name="Rolled back"), deferred=deferred)
            await uow.rollback()
        still = await _claim(uow_factory)
        async with uow_factory() as uow:
            await uow.repository(Department).add(department(name="Kept"), deferred=deferred)
            await uow.commit()
    finally:
        CLAIM.reset(token)
    assert still is not None
    assert still.state is KeyState.RUNNING
    marked = await _claim(uow_factory, "f1", Lease(LEASE.until, LEASE.until, LEASE.expires_at))
    assert marked is not None
    assert marked.state is KeyState.COMMITTED  # past its lease, yet never taken over: its write committed
    async with uow_factory() as uow:
        await uow.idempotency.release(KEY)  # only a running key is released
        await uow.commit()
    assert (await _claim(uow_factory)) is not None
