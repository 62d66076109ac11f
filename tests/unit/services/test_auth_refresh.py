"""AuthService.refresh_grant: single-use rotation, reuse detection with a grace window,
concurrent exchanges of one token, session expiry and the client binding."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.unit.services.auth_world import SESSIONS, AuthWorld
from upskill.domain.errors import InvalidGrant, Unauthenticated
from upskill.domain.principal import SYSTEM
from upskill.domain.security import hash_refresh_token
from upskill.services.issuing import TokenGrant

SECOND = timedelta(seconds=1)


async def _logged_in(world: AuthWorld, **kwargs: str) -> TokenGrant:
    await world.add_user()
    return await world.login(**kwargs)


async def test_a_refresh_rotates_the_pair_within_the_session(world: AuthWorld) -> None:
    first = await _logged_in(world)
    world.clock.advance(timedelta(minutes=5))
    second = await world.auth.refresh_grant(first.refresh_token)
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    assert (await world.auth.authenticate(second.access_token)).session_id == first.session_id
    used = await world.stored_token(first.refresh_token)
    assert used is not None
    assert used.used_at == world.clock.now()
    session = await world.session(first.session_id)
    assert session is not None
    assert session.last_used_at == world.clock.now()
    assert session.idle_expires_at == world.clock.now() + SESSIONS.idle
    third = await world.auth.refresh_grant(second.refresh_token)
    assert third.session_id == first.session_id


async def test_a_used_token_is_refused_after_rotation(world: AuthWorld) -> None:
    first = await _logged_in(world)
    await world.auth.refresh_grant(first.refresh_token)
    with pytest.raises(InvalidGrant):
        await world.auth.refresh_grant(first.refresh_token)


async def test_reuse_after_the_grace_window_ends_the_session(world: AuthWorld) -> None:
    first = await _logged_in(world)
    second = await world.auth.refresh_grant(first.refresh_token)
    world.clock.advance(SESSIONS.reuse_grace + SECOND)
    with pytest.raises(InvalidGrant, match="session is ended"):
        await world.auth.refresh_grant(first.refresh_token)
    assert not await world.is_live(first.session_id)
    with pytest.raises(Unauthenticated):
        await world.auth.authenticate(second.access_token)
    with pytest.raises(InvalidGrant):
        await world.auth.refresh_grant(second.refresh_token)
    assert [fields["session_id"] for fields in world.audit.of("refresh.reuse")] == [first.session_id]


async def test_reuse_inside_the_grace_window_spares_the_session(world: AuthWorld) -> None:
    first = await _logged_in(world)
    second = await world.auth.refresh_grant(first.refresh_token)
    world.clock.advance(SESSIONS.reuse_grace)
    with pytest.raises(InvalidGrant, match="just exchanged"):
        await world.auth.refresh_grant(first.refresh_token)
    assert await world.is_live(first.session_id)
    assert (await world.auth.authenticate(second.access_token)).session_id == first.session_id
    assert (await world.auth.refresh_grant(second.refresh_token)).session_id == first.session_id
    assert world.audit.of("refresh.reuse") == []


async def test_of_two_concurrent_refreshes_of_one_token_exactly_one_grants(world: AuthWorld) -> None:
    first = await _logged_in(world)
    outcomes = await asyncio.gather(
        world.auth.refresh_grant(first.refresh_token),
        world.auth.refresh_grant(first.refresh_token),
        return_exceptions=True,
    )
    grants = [o for o in outcomes if isinstance(o, TokenGrant)]
    refusals = [o for o in outcomes if not isinstance(o, TokenGrant)]
    assert len(grants) == 1
    assert len(refusals) == 1
    assert isinstance(refusals[0], InvalidGrant)
    assert await world.is_live(first.session_id)
    assert (await world.auth.refresh_grant(grants[0].refresh_token)).session_id == first.session_id
    issued = [t for t in world.store.identity.refresh_tokens.values() if t.session_id == first.session_id]
    assert len(issued) == 3  # the login's, the one grant's, the last refresh's


async def test_an_unknown_token_is_refused(world: AuthWorld) -> None:
    await _logged_in(world)
    with pytest.raises(InvalidGrant):
        await world.auth.refresh_grant("not-a-token")
    assert hash_refresh_token("not-a-token") not in world.store.identity.refresh_tokens


async def test_an_idle_session_cannot_be_refreshed(world: AuthWorld) -> None:
    first = await _logged_in(world)
    world.clock.advance(SESSIONS.idle)
    with pytest.raises(InvalidGrant):
        await world.auth.refresh_grant(first.refresh_token)
    stored = await world.stored_token(first.refresh_token)
    assert stored is not None
    assert stored.used_at is None


async def test_refreshing_keeps_a_session_from_idling_but_not_past_its_lifetime(world: AuthWorld) -> None:
    grant = await _logged_in(world)
    step = SESSIONS.idle - timedelta(hours=1)
    elapsed = timedelta(0)
    while elapsed + step < SESSIONS.absolute:
        world.clock.advance(step)
        elapsed += step
        grant = await world.auth.refresh_grant(grant.refresh_token)
    session = await world.session(grant.session_id)
    assert session is not None
    assert session.idle_expires_at <= session.expires_at
    world.clock.current = session.expires_at
    with pytest.raises(InvalidGrant):
        await world.auth.refresh_grant(grant.refresh_token)


async def test_the_token_is_bound_to_the_client_of_its_session(world: AuthWorld) -> None:
    first = await _logged_in(world, client_id="web")
    with pytest.raises(InvalidGrant):
        await world.auth.refresh_grant(first.refresh_token, client_id="mobile")
    assert await world.is_live(first.session_id)  # a mismatch is no reuse
    second = await world.auth.refresh_grant(first.refresh_token, client_id="web")
    third = await world.auth.refresh_grant(second.refresh_token)  # no client_id: not checked
    assert third.session_id == first.session_id


async def test_a_deactivated_user_cannot_refresh(world: AuthWorld) -> None:
    first = await _logged_in(world)
    ada = await world.auth.authenticate(first.access_token)
    assert ada.user_id is not None
    await world.users.update(SYSTEM, ada.user_id, {"is_active": False})
    with pytest.raises(InvalidGrant):
        await world.auth.refresh_grant(first.refresh_token)
