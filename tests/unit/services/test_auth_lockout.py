"""The login lockout: consecutive failures per normalised email lock it for a growing while,
known account or not; a success forgets the failures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.services.auth_world import LOCKOUT, OTHER_PASSWORD, PASSWORD, AuthWorld
from upskill.domain.errors import InvalidGrant, RateLimited
from upskill.domain.identity import Lockout
from upskill.domain.principal import SYSTEM

SECOND = timedelta(seconds=1)


async def _fail(world: AuthWorld, times: int, email: str = "ada@example.com") -> None:
    for _ in range(times):
        with pytest.raises(InvalidGrant):
            await world.login(email, OTHER_PASSWORD)


async def _refused_for(world: AuthWorld, email: str = "ada@example.com", password: str = PASSWORD) -> int:
    with pytest.raises(RateLimited) as refused:
        await world.login(email, password)
    return refused.value.retry_after


async def test_reaching_the_threshold_locks_the_account(world: AuthWorld) -> None:
    await world.add_user()
    await _fail(world, LOCKOUT.threshold)
    assert await _refused_for(world, password=OTHER_PASSWORD) == 60
    assert await _refused_for(world) == 60  # the right password too
    world.clock.advance(timedelta(seconds=45))
    assert await _refused_for(world) == 15
    assert world.store.identity.sessions == {}


async def test_the_account_opens_again_when_the_period_ends(world: AuthWorld) -> None:
    await world.add_user()
    await _fail(world, LOCKOUT.threshold)
    world.clock.advance(LOCKOUT.base - SECOND)
    assert await _refused_for(world) == 1
    world.clock.advance(SECOND)
    grant = await world.login()
    assert await world.is_live(grant.session_id)


async def test_a_refused_attempt_while_locked_is_no_further_failure(world: AuthWorld) -> None:
    await world.add_user()
    await _fail(world, LOCKOUT.threshold)
    for _ in range(5):
        await _refused_for(world, password=OTHER_PASSWORD)
    assert (await world.lockout()).failures == 0


async def test_each_lockout_lasts_twice_the_previous_up_to_the_longest(world: AuthWorld) -> None:
    await world.add_user()
    periods = []
    for _ in range(4):
        await _fail(world, LOCKOUT.threshold)
        periods.append(await _refused_for(world))
        world.clock.advance(timedelta(seconds=periods[-1]))
    assert periods == [60, 120, 240, 240]
    assert (await world.lockout()).lockouts == 4


async def test_a_success_forgets_the_failures_but_not_the_lockouts(world: AuthWorld) -> None:
    await world.add_user()
    await _fail(world, LOCKOUT.threshold)
    world.clock.advance(LOCKOUT.base)
    await _fail(world, LOCKOUT.threshold - 1)
    await world.login()
    assert (await world.lockout()).failures == 0
    await _fail(world, LOCKOUT.threshold - 1)
    assert (await world.login()).access_token  # still below the threshold
    await _fail(world, LOCKOUT.threshold)
    assert await _refused_for(world) == 120  # the second lockout


async def test_an_unknown_email_is_locked_like_a_known_one(world: AuthWorld) -> None:
    await _fail(world, LOCKOUT.threshold, "ghost@example.com")
    assert await _refused_for(world, "ghost@example.com") == 60
    assert (await world.lockout("ghost@example.com")).lockouts == 1


async def test_spellings_of_one_email_count_together(world: AuthWorld) -> None:
    await world.add_user()
    await _fail(world, 1, "ADA@example.com")
    await _fail(world, 1, " ada@EXAMPLE.com")
    await _fail(world, 1, "ada@example.com")
    assert await _refused_for(world, "Ada@Example.Com") == 60


async def test_other_accounts_are_not_locked(world: AuthWorld) -> None:
    await world.add_user("ada@example.com")
    await world.add_user("alan@example.com")
    await _fail(world, LOCKOUT.threshold)
    grant = await world.login("alan@example.com")
    assert await world.is_live(grant.session_id)
    assert await world.lockout("alan@example.com") == Lockout()


async def test_an_inactive_users_attempts_count_too(world: AuthWorld) -> None:
    ada = await world.add_user()
    await world.users.update(SYSTEM, ada.id, {"is_active": False})
    for _ in range(LOCKOUT.threshold):
        with pytest.raises(InvalidGrant):
            await world.login()  # the right password
    assert await _refused_for(world) == 60
