"""AuthService.password_grant: tokens for the right credentials, one same refusal for every
wrong ones, and a stored hash upgraded when the hashing parameters change."""

from __future__ import annotations

import pytest

from tests.unit.services.auth_world import OTHER_PASSWORD, PASSWORD, SESSIONS, AuthWorld, cheap_hasher
from upskill.domain.errors import InvalidGrant
from upskill.domain.principal import SYSTEM, Principal, Role
from upskill.domain.security import hash_refresh_token
from upskill.services.issuing import SCOPE


async def test_the_right_password_grants_a_pair_for_a_new_session(world: AuthWorld) -> None:
    ada = await world.add_user("ada@example.com", role=Role.MANAGER)
    grant = await world.login("ada@example.com", client_id="web", user_agent="Firefox/130")

    claims = world.signer.verify(grant.access_token)
    assert (claims.sub, claims.sid, claims.role, claims.scope) == (ada.id, grant.session_id, "manager", SCOPE)
    assert grant.expires_in == 15 * 60
    assert grant.scope == SCOPE
    assert await world.auth.authenticate(grant.access_token) == Principal(
        ada.id, Role.MANAGER, session_id=grant.session_id
    )
    session = await world.session(grant.session_id)
    assert session is not None
    assert (session.user_id, session.client_id, session.user_agent) == (ada.id, "web", "Firefox/130")
    assert session.created_at == world.clock.now()
    assert session.idle_expires_at == world.clock.now() + SESSIONS.idle
    assert session.expires_at == world.clock.now() + SESSIONS.absolute


async def test_the_refresh_token_is_stored_only_as_its_digest(world: AuthWorld) -> None:
    await world.add_user()
    grant = await world.login()
    stored = world.store.identity.refresh_tokens
    assert set(stored) == {hash_refresh_token(grant.refresh_token)}
    assert all(grant.refresh_token not in repr(token) for token in stored.values())
    token = stored[hash_refresh_token(grant.refresh_token)]
    assert (token.session_id, token.issued_at, token.used_at) == (grant.session_id, world.clock.now(), None)


async def test_the_email_is_matched_in_its_normalised_form(world: AuthWorld) -> None:
    await world.add_user("ada@example.com")
    grant = await world.login("  ADA@Example.com ")
    assert await world.is_live(grant.session_id)


async def test_an_unknown_email_and_a_wrong_password_are_refused_alike(world: AuthWorld) -> None:
    await world.add_user()
    with pytest.raises(InvalidGrant) as unknown:
        await world.login("nobody@example.com")
    with pytest.raises(InvalidGrant) as wrong:
        await world.login("ada@example.com", OTHER_PASSWORD)
    assert str(unknown.value) == str(wrong.value)
    assert (unknown.value.field, wrong.value.field) == (None, None)
    assert world.store.identity.sessions == {}


async def test_an_inactive_user_is_refused_even_with_the_right_password(world: AuthWorld) -> None:
    ada = await world.add_user()
    await world.users.update(SYSTEM, ada.id, {"is_active": False})
    with pytest.raises(InvalidGrant) as refused:
        await world.login()
    assert str(refused.value) == "The credentials are not valid."
    assert world.store.identity.sessions == {}


async def test_a_hash_made_with_old_parameters_is_upgraded_on_login(world: AuthWorld) -> None:
    ada = await world.add_user()
    stronger = cheap_hasher(memory_cost=2048)
    try:
        upgraded_auth = world.auth_service(stronger)
        await upgraded_auth.password_grant("ada@example.com", PASSWORD)
        after = await world.user(ada.id)
        assert after.password_hash != ada.password_hash
        assert "m=2048" in after.password_hash
        assert after.version == ada.version + 1
        assert after.password_changed_at == ada.password_changed_at  # not a password change
        assert (await stronger.verify(PASSWORD, after.password_hash)) == (True, None)
        await upgraded_auth.password_grant("ada@example.com", PASSWORD)
        assert (await world.user(ada.id)).password_hash == after.password_hash  # upgraded once
    finally:
        stronger.close()


async def test_a_hash_with_current_parameters_is_kept(world: AuthWorld) -> None:
    ada = await world.add_user()
    await world.login()
    assert await world.user(ada.id) == ada


async def test_each_login_opens_its_own_session(world: AuthWorld) -> None:
    ada = await world.add_user()
    first = await world.login()
    second = await world.login()
    assert first.session_id != second.session_id
    assert {s.id for s in await world.live_sessions(ada.id)} == {first.session_id, second.session_id}
