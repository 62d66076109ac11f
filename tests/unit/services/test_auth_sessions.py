"""A user's own sessions (list, end one, end the others) and the password change."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from tests.unit.services.auth_world import LOCKOUT, OTHER_PASSWORD, PASSWORD, WEAK_PASSWORD, AuthWorld
from upskill.domain.errors import InvalidGrant, InvariantViolation, NotFound, RateLimited, Unauthenticated
from upskill.domain.principal import SYSTEM, Principal
from upskill.services.issuing import TokenGrant


async def _logins(world: AuthWorld, count: int) -> list[TokenGrant]:
    grants = []
    for _ in range(count):
        grants.append(await world.login())
        world.clock.advance(timedelta(minutes=1))
    return grants


async def _principal(world: AuthWorld, grant: TokenGrant) -> Principal:
    return await world.auth.authenticate(grant.access_token)


async def test_the_sessions_of_a_user_are_their_live_ones_newest_first(world: AuthWorld) -> None:
    await world.add_user()
    await world.add_user("alan@example.com")
    first, second, third = await _logins(world, 3)
    await world.login("alan@example.com")
    await world.auth.logout(await _principal(world, second))
    listed = await world.auth.sessions(await _principal(world, first))
    assert [s.id for s in listed] == [third.session_id, first.session_id]


async def test_ending_one_of_ones_sessions(world: AuthWorld) -> None:
    await world.add_user()
    first, second = await _logins(world, 2)
    await world.auth.end_session(await _principal(world, first), second.session_id)
    assert not await world.is_live(second.session_id)
    assert await world.is_live(first.session_id)


async def test_ending_a_session_of_another_user_is_not_found(world: AuthWorld) -> None:
    await world.add_user()
    await world.add_user("alan@example.com")
    ada = await world.login()
    alan = await world.login("alan@example.com")
    for session_id in (alan.session_id, uuid4()):
        with pytest.raises(NotFound):
            await world.auth.end_session(await _principal(world, ada), session_id)
    assert await world.is_live(alan.session_id)


async def test_ending_the_other_sessions_keeps_the_current_one(world: AuthWorld) -> None:
    await world.add_user()
    await world.add_user("alan@example.com")
    current, *others = await _logins(world, 3)
    alan = await world.login("alan@example.com")
    assert await world.auth.end_other_sessions(await _principal(world, current)) == 2
    assert await world.is_live(current.session_id)
    assert [await world.is_live(g.session_id) for g in others] == [False, False]
    assert await world.is_live(alan.session_id)


async def test_a_principal_without_a_user_has_no_sessions(world: AuthWorld) -> None:
    with pytest.raises(Unauthenticated):
        await world.auth.sessions(SYSTEM)


# -- change_password -----------------------------------------------------------------------------


async def test_a_wrong_current_password_is_refused_and_counts_as_a_failure(world: AuthWorld) -> None:
    ada = await world.add_user()
    grant = await world.login()
    with pytest.raises(InvariantViolation) as refused:
        await world.auth.change_password(await _principal(world, grant), OTHER_PASSWORD, "brand-new-secret-99")
    assert refused.value.field == "current_password"
    assert (await world.lockout()).failures == 1
    assert (await world.user(ada.id)).password_hash == ada.password_hash
    assert await world.is_live(grant.session_id)


async def test_guessing_the_current_password_runs_into_the_lockout(world: AuthWorld) -> None:
    await world.add_user()
    principal = await _principal(world, await world.login())
    for _ in range(LOCKOUT.threshold):
        with pytest.raises(InvariantViolation):
            await world.auth.change_password(principal, OTHER_PASSWORD, "brand-new-secret-99")
    with pytest.raises(RateLimited):
        await world.auth.change_password(principal, PASSWORD, "brand-new-secret-99")


async def test_a_weak_new_password_is_refused(world: AuthWorld) -> None:
    ada = await world.add_user()
    grant = await world.login()
    for weak in (WEAK_PASSWORD, "short"):
        with pytest.raises(InvariantViolation) as refused:
            await world.auth.change_password(await _principal(world, grant), PASSWORD, weak)
        assert refused.value.field == "new_password"
    assert (await world.user(ada.id)).password_hash == ada.password_hash
    assert (await world.lockout()).failures == 0


async def test_a_password_change_ends_every_session_and_opens_a_new_one(world: AuthWorld) -> None:
    ada = await world.add_user()
    current, other = await _logins(world, 2)
    fresh = await world.auth.change_password(await _principal(world, current), PASSWORD, OTHER_PASSWORD)
    assert [await world.is_live(g.session_id) for g in (current, other)] == [False, False]
    assert [s.id for s in await world.live_sessions(ada.id)] == [fresh.session_id]
    assert (await _principal(world, fresh)).user_id == ada.id
    assert (await world.auth.refresh_grant(fresh.refresh_token)).session_id == fresh.session_id
    changed = await world.user(ada.id)
    assert changed.password_changed_at == world.clock.now().replace(microsecond=0)
    with pytest.raises(InvalidGrant):
        await world.login(password=PASSWORD)
    assert await world.login(password=OTHER_PASSWORD)
