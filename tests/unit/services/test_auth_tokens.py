"""AuthService.authenticate, revoke (RFC 7009), introspect (RFC 7662) and logout."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.services.auth_world import OTHER_PASSWORD, PASSWORD, AuthWorld
from upskill.domain.errors import Forbidden, InvalidGrant, Unauthenticated
from upskill.domain.principal import SYSTEM, Principal, Role
from upskill.services.auth import Introspection
from upskill.services.issuing import SCOPE, TokenGrant


async def _ada(world: AuthWorld) -> TokenGrant:
    await world.add_user()
    return await world.login()


async def _refused(world: AuthWorld, grant: TokenGrant) -> None:
    """Neither token of `grant` works any more."""
    with pytest.raises(Unauthenticated):
        await world.auth.authenticate(grant.access_token)
    with pytest.raises(InvalidGrant):
        await world.auth.refresh_grant(grant.refresh_token)


# -- authenticate --------------------------------------------------------------------------------


async def test_a_valid_access_token_gives_the_user_with_the_stored_role(world: AuthWorld) -> None:
    grant = await _ada(world)
    ada = await world.auth.authenticate(grant.access_token)
    assert ada.user_id is not None
    await world.users.update(SYSTEM, ada.user_id, {"role": Role.MANAGER})
    assert await world.auth.authenticate(grant.access_token) == Principal(
        ada.user_id, Role.MANAGER, session_id=grant.session_id
    )
    assert world.signer.verify(grant.access_token).role == "employee"  # the token still says otherwise


async def test_a_malformed_token_is_unauthenticated(world: AuthWorld) -> None:
    with pytest.raises(Unauthenticated):
        await world.auth.authenticate("not.a.jwt")


async def test_logout_ends_the_session_of_the_caller(world: AuthWorld) -> None:
    grant = await _ada(world)
    other = await world.login()
    await world.auth.logout(await world.auth.authenticate(grant.access_token))
    await _refused(world, grant)
    assert await world.is_live(other.session_id)
    assert world.audit.of("session.revoked") == [{"session_id": grant.session_id, "by": "logout"}]


async def test_deactivating_the_user_refuses_their_tokens_at_once(world: AuthWorld) -> None:
    grant = await _ada(world)
    ada = await world.auth.authenticate(grant.access_token)
    assert ada.user_id is not None
    await world.users.update(SYSTEM, ada.user_id, {"is_active": False})
    await _refused(world, grant)


async def test_changing_the_password_refuses_the_old_tokens_at_once(world: AuthWorld) -> None:
    grant = await _ada(world)
    ada = await world.auth.authenticate(grant.access_token)
    await world.auth.change_password(ada, PASSWORD, OTHER_PASSWORD)
    await _refused(world, grant)


# -- revoke --------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["refresh_token", "access_token"])
async def test_revoking_either_token_ends_the_session(world: AuthWorld, which: str) -> None:
    grant = await _ada(world)
    other = await world.login()
    await world.auth.revoke(getattr(grant, which))
    assert not await world.is_live(grant.session_id)
    await _refused(world, grant)
    assert await world.is_live(other.session_id)
    assert world.audit.of("session.revoked") == [{"session_id": grant.session_id, "by": "revocation"}]


async def test_revoking_twice_or_garbage_is_no_error_and_changes_nothing(world: AuthWorld) -> None:
    grant = await _ada(world)
    await world.auth.revoke("garbage")
    await world.auth.revoke("")
    assert await world.is_live(grant.session_id)
    await world.auth.revoke(grant.refresh_token)
    ended = await world.session(grant.session_id)
    world.clock.advance(timedelta(seconds=5))
    await world.auth.revoke(grant.access_token)
    assert await world.session(grant.session_id) == ended
    assert len(world.audit.of("session.revoked")) == 1


# -- introspect ----------------------------------------------------------------------------------


async def test_only_an_admin_may_introspect(world: AuthWorld) -> None:
    grant = await _ada(world)
    ada = await world.auth.authenticate(grant.access_token)
    with pytest.raises(Forbidden):
        await world.auth.introspect(ada, grant.access_token)


async def test_a_valid_access_token_is_active(world: AuthWorld) -> None:
    admin = await world.admin()
    grant = await _ada(world)
    claims = world.signer.verify(grant.access_token)
    assert await world.auth.introspect(admin, grant.access_token) == Introspection(
        True, "access_token", claims.sub, claims.sid, "employee", SCOPE, claims.exp, claims.iat
    )


async def test_a_valid_refresh_token_is_active(world: AuthWorld) -> None:
    admin = await world.admin()
    grant = await _ada(world)
    session = await world.session(grant.session_id)
    assert session is not None
    assert await world.auth.introspect(admin, grant.refresh_token) == Introspection(
        True, "refresh_token", session.user_id, session.id, None, SCOPE, session.expires_at, session.created_at
    )


async def test_tokens_of_an_ended_session_or_used_ones_are_inactive(world: AuthWorld) -> None:
    admin = await world.admin()
    grant = await _ada(world)
    rotated = await world.auth.refresh_grant(grant.refresh_token)
    assert await world.auth.introspect(admin, grant.refresh_token) == Introspection(False)
    await world.auth.logout(await world.auth.authenticate(rotated.access_token))
    for token in (rotated.access_token, rotated.refresh_token, "garbage"):
        assert await world.auth.introspect(admin, token) == Introspection(False)
