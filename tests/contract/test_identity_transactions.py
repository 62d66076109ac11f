"""IdentityStore port inside transactions: every kind of write is discarded by a rollback, and
concurrent changes of one row (a refresh token claimed twice, a session revoked twice) run one
after the other."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.factories import BASE_TIME, auth_session, persist, refresh_token, user
from upskill.domain.identity import AuthSession, LockoutPolicy, RefreshToken, User
from upskill.domain.ports import IdentityStore, UnitOfWork, UnitOfWorkFactory

LATER = BASE_TIME + timedelta(hours=1)
KEY = "ada@example.com"


@dataclass(frozen=True)
class World:
    owner: User
    session: AuthSession
    token: RefreshToken
    spare_session: AuthSession
    spare_token: RefreshToken


ROTATED = LATER + timedelta(minutes=1)
"""After LATER: a rotation changes what the earlier writes left."""


async def _world(uow_factory: UnitOfWorkFactory) -> World:
    owner = user()
    session = auth_session(user_id=owner.id)
    world = World(
        owner,
        session,
        refresh_token(session_id=session.id),
        auth_session(user_id=owner.id),
        refresh_token(session_id=session.id),
    )
    await persist(uow_factory, owner)
    async with uow_factory() as uow:
        await uow.identity.add_session(session)
        await uow.identity.add_refresh_token(world.token)
        await uow.identity.record_failure(KEY, BASE_TIME, LockoutPolicy())
        await uow.commit()
    return world


async def _snapshot(uow_factory: UnitOfWorkFactory, world: World) -> tuple[object, ...]:
    async with uow_factory() as uow:
        ids = uow.identity
        return (
            await ids.live_sessions(world.owner.id, LATER),
            await ids.session(world.session.id),
            await ids.session(world.spare_session.id),
            await ids.claim_refresh_token(world.token.digest),
            await ids.claim_refresh_token(world.spare_token.digest),
            await ids.lockout(KEY),
        )


Write = Callable[[IdentityStore, World], Awaitable[object]]

WRITES: dict[str, Write] = {
    "add_session": lambda ids, w: ids.add_session(w.spare_session),
    "touch_session": lambda ids, w: ids.touch_session(w.session.id, used_at=LATER, idle_expires_at=LATER),
    "revoke_session": lambda ids, w: ids.revoke_session(w.session.id, LATER),
    "revoke_sessions": lambda ids, w: ids.revoke_sessions(w.owner.id, LATER),
    "add_refresh_token": lambda ids, w: ids.add_refresh_token(w.spare_token),
    "use_refresh_token": lambda ids, w: ids.use_refresh_token(w.token.digest, LATER),
    "rotate_refresh_token": lambda ids, w: ids.rotate_refresh_token(
        w.token.digest, refresh_token(session_id=w.session.id, issued_at=ROTATED), idle_expires_at=ROTATED
    ),
    "record_failure": lambda ids, w: ids.record_failure(KEY, LATER, LockoutPolicy()),
    "clear_failures": lambda ids, w: ids.clear_failures(KEY),
}


async def _leave(uow: UnitOfWork) -> None:
    """End the block without committing."""


async def _roll_back(uow: UnitOfWork) -> None:
    await uow.rollback()


@pytest.mark.parametrize("ending", [_leave, _roll_back], ids=["leave", "rollback"])
@pytest.mark.parametrize("kind", list(WRITES))
async def test_a_write_not_committed_is_discarded(
    uow_factory: UnitOfWorkFactory, kind: str, ending: Callable[[UnitOfWork], Awaitable[None]]
) -> None:
    world = await _world(uow_factory)
    before = await _snapshot(uow_factory, world)
    async with uow_factory() as uow:
        await WRITES[kind](uow.identity, world)
        await ending(uow)
    assert await _snapshot(uow_factory, world) == before


async def test_each_write_is_published_by_commit(uow_factory: UnitOfWorkFactory) -> None:
    world = await _world(uow_factory)
    before = await _snapshot(uow_factory, world)
    for kind, write in WRITES.items():
        async with uow_factory() as uow:
            await write(uow.identity, world)
            await uow.commit()
        after = await _snapshot(uow_factory, world)
        assert after != before, kind
        before = after


async def _claim_with_session(ids: IdentityStore, digest: str) -> RefreshToken | None:
    claim = await ids.claim_refresh(digest)
    return None if claim is None else claim.token


@pytest.mark.parametrize("claim", ["claim_refresh_token", "claim_refresh"])
async def test_concurrent_claims_of_one_token_run_one_after_the_other(
    uow_factory: UnitOfWorkFactory, claim: str
) -> None:
    world = await _world(uow_factory)
    digest, claimed, events = world.token.digest, asyncio.Event(), []
    take = _claim_with_session if claim == "claim_refresh" else (lambda ids, d: ids.claim_refresh_token(d))

    async def first() -> None:
        async with uow_factory() as uow:
            await take(uow.identity, digest)
            claimed.set()
            await asyncio.sleep(0.1)
            await uow.identity.use_refresh_token(digest, LATER)
            events.append("first used it")
            await uow.commit()

    async def second() -> RefreshToken | None:
        await claimed.wait()
        async with uow_factory() as uow:
            seen = await take(uow.identity, digest)
            events.append("second claimed it")
            return seen

    _, seen = await asyncio.gather(first(), second())
    assert events == ["first used it", "second claimed it"]
    assert seen is not None
    assert seen.used_at == LATER


async def test_a_claim_ends_with_the_rollback_of_its_unit_of_work(uow_factory: UnitOfWorkFactory) -> None:
    world = await _world(uow_factory)
    digest = world.token.digest
    async with uow_factory() as holder:
        await holder.identity.use_refresh_token(digest, LATER)
        await holder.rollback()
        async with uow_factory() as other:
            seen = await asyncio.wait_for(other.identity.claim_refresh_token(digest), timeout=2)
    assert seen == world.token


async def test_of_two_concurrent_revocations_of_a_session_one_revokes(uow_factory: UnitOfWorkFactory) -> None:
    world = await _world(uow_factory)

    async def revoke(at: timedelta) -> bool:
        async with uow_factory() as uow:
            revoked = await uow.identity.revoke_session(world.session.id, LATER + at)
            await asyncio.sleep(0.05)
            await uow.commit()
        return revoked

    outcomes = await asyncio.gather(revoke(timedelta(0)), revoke(timedelta(seconds=1)))
    assert sorted(outcomes) == [False, True]
    async with uow_factory() as uow:
        session = await uow.identity.session(world.session.id)
    assert session is not None
    assert session.revoked_at == LATER + (timedelta(0) if outcomes[0] else timedelta(seconds=1))


async def test_a_revocation_survives_a_concurrent_touch(uow_factory: UnitOfWorkFactory) -> None:
    world = await _world(uow_factory)
    touched = asyncio.Event()

    async def touch() -> None:
        async with uow_factory() as uow:
            await uow.identity.touch_session(world.session.id, used_at=LATER, idle_expires_at=LATER + LATER.resolution)
            touched.set()
            await asyncio.sleep(0.05)
            await uow.commit()

    async def revoke() -> bool:
        await touched.wait()
        async with uow_factory() as uow:
            revoked = await uow.identity.revoke_session(world.session.id, LATER)
            await uow.commit()
        return revoked

    _, revoked = await asyncio.gather(touch(), revoke())
    async with uow_factory() as uow:
        session = await uow.identity.session(world.session.id)
    assert revoked
    assert session is not None
    assert (session.last_used_at, session.revoked_at) == (LATER, LATER)
