"""IdentityStore port: users by email, sessions and refresh tokens (lockout, rollback and
concurrency are in the neighbouring test_identity_* files)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from tests.factories import BASE_TIME, auth_session, persist, refresh_token, user
from upskill.domain.errors import InvalidReference
from upskill.domain.identity import AuthSession, RefreshClaim, RefreshToken, User
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.principal import Role

HOUR = timedelta(hours=1)


async def _add(uow_factory: UnitOfWorkFactory, *rows: AuthSession | RefreshToken) -> None:
    async with uow_factory() as uow:
        for row in rows:
            if isinstance(row, AuthSession):
                await uow.identity.add_session(row)
            else:
                await uow.identity.add_refresh_token(row)
        await uow.commit()


async def _stored(uow_factory: UnitOfWorkFactory, made: User) -> User:
    await persist(uow_factory, made)
    return made


# -- users ---------------------------------------------------------------------------------------


async def test_a_user_is_found_by_email(uow_factory: UnitOfWorkFactory) -> None:
    ada = await _stored(uow_factory, user(email="ada@example.com"))
    await _stored(uow_factory, user(email="alan@example.com"))
    async with uow_factory() as uow:
        assert await uow.identity.user_by_email("ada@example.com") == ada
        assert await uow.identity.user_by_email("nobody@example.com") is None


async def test_a_user_added_in_the_unit_of_work_is_found_by_email_in_it(uow_factory: UnitOfWorkFactory) -> None:
    grace = user(email="grace@example.com")
    async with uow_factory() as uow:
        await uow.repository(User).add(grace)
        assert await uow.identity.user_by_email("grace@example.com") == grace
    async with uow_factory() as uow:
        assert await uow.identity.user_by_email("grace@example.com") is None


async def test_an_admin_exists_only_once_an_active_admin_is_stored(uow_factory: UnitOfWorkFactory) -> None:
    async def exists() -> bool:
        async with uow_factory() as uow:
            return await uow.identity.admin_exists()

    assert not await exists()
    await _stored(uow_factory, user(role=Role.EMPLOYEE))
    await _stored(uow_factory, user(role=Role.MANAGER))
    await _stored(uow_factory, user(role=Role.ADMIN, is_active=False))
    assert not await exists()
    await _stored(uow_factory, user(role=Role.ADMIN))
    assert await exists()


# -- sessions ------------------------------------------------------------------------------------


async def test_a_session_is_stored_as_given(uow_factory: UnitOfWorkFactory) -> None:
    owner = await _stored(uow_factory, user())
    session = auth_session(user_id=owner.id, client_id="web", user_agent="Firefox")
    await _add(uow_factory, session)
    async with uow_factory() as uow:
        assert await uow.identity.session(session.id) == session
        assert await uow.identity.session(uuid4()) is None


async def test_a_session_of_a_missing_user_is_an_invalid_reference(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(InvalidReference) as caught:
        await _add(uow_factory, auth_session(user_id=uuid4()))
    assert caught.value.field == "user_id"


async def test_live_sessions_are_the_users_unended_ones_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    owner, other = await _stored(uow_factory, user()), await _stored(uow_factory, user())
    live = [auth_session(user_id=owner.id, created_at=BASE_TIME + n * HOUR) for n in (1, 3, 2)]
    ended = [
        auth_session(user_id=owner.id, revoked_at=BASE_TIME + HOUR),
        auth_session(user_id=owner.id, idle=HOUR),
        auth_session(user_id=owner.id, idle=3 * HOUR, absolute=2 * HOUR),
        auth_session(user_id=other.id),
    ]
    await _add(uow_factory, *live, *ended)
    async with uow_factory() as uow:
        found = await uow.identity.live_sessions(owner.id, BASE_TIME + 4 * HOUR)
    assert found == [live[1], live[2], live[0]]


async def test_touching_a_session_moves_its_last_use_and_idle_expiry(uow_factory: UnitOfWorkFactory) -> None:
    owner = await _stored(uow_factory, user())
    session = auth_session(user_id=owner.id)
    await _add(uow_factory, session)
    used, idle_until = BASE_TIME + HOUR, BASE_TIME + 100 * HOUR
    async with uow_factory() as uow:
        await uow.identity.touch_session(session.id, used_at=used, idle_expires_at=idle_until)
        await uow.commit()
    async with uow_factory() as uow:
        touched = await uow.identity.session(session.id)
    assert touched == AuthSession(
        session.id, owner.id, None, session.created_at, used, idle_until, session.expires_at, None, None
    )


async def test_revoking_a_session_answers_whether_it_was_unrevoked(uow_factory: UnitOfWorkFactory) -> None:
    owner = await _stored(uow_factory, user())
    session = auth_session(user_id=owner.id)
    await _add(uow_factory, session)
    first, second = BASE_TIME + HOUR, BASE_TIME + 2 * HOUR
    async with uow_factory() as uow:
        assert await uow.identity.revoke_session(session.id, first)
        assert not await uow.identity.revoke_session(uuid4(), first)
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.identity.revoke_session(session.id, second)
        await uow.commit()
    async with uow_factory() as uow:
        revoked = await uow.identity.session(session.id)
    assert revoked is not None
    assert revoked.revoked_at == first


async def test_revoking_a_users_sessions_spares_the_kept_one_and_other_users(uow_factory: UnitOfWorkFactory) -> None:
    owner, other = await _stored(uow_factory, user()), await _stored(uow_factory, user())
    kept, open_one, idle_expired = (auth_session(user_id=owner.id, idle=i * HOUR) for i in (9, 9, 1))
    already = auth_session(user_id=owner.id, revoked_at=BASE_TIME + HOUR)
    others = auth_session(user_id=other.id)
    await _add(uow_factory, kept, open_one, idle_expired, already, others)
    at = BASE_TIME + 2 * HOUR
    async with uow_factory() as uow:
        assert await uow.identity.revoke_sessions(owner.id, at, keep=kept.id) == 2
        await uow.commit()
    async with uow_factory() as uow:
        stored = {s.id: await uow.identity.session(s.id) for s in (kept, open_one, idle_expired, already, others)}
        assert await uow.identity.revoke_sessions(other.id, at) == 1
    assert {id: s.revoked_at for id, s in stored.items() if s is not None} == {
        kept.id: None,
        open_one.id: at,
        idle_expired.id: at,
        already.id: BASE_TIME + HOUR,
        others.id: None,
    }


async def test_revoking_every_session_of_a_user_without_keep(uow_factory: UnitOfWorkFactory) -> None:
    owner = await _stored(uow_factory, user())
    sessions = [auth_session(user_id=owner.id) for _ in range(3)]
    await _add(uow_factory, *sessions)
    async with uow_factory() as uow:
        assert await uow.identity.revoke_sessions(owner.id, BASE_TIME + HOUR) == 3
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.identity.live_sessions(owner.id, BASE_TIME + 2 * HOUR) == []


# -- refresh tokens ------------------------------------------------------------------------------


async def test_a_refresh_token_is_claimed_by_its_digest(uow_factory: UnitOfWorkFactory) -> None:
    owner = await _stored(uow_factory, user())
    session = auth_session(user_id=owner.id)
    token, sibling = refresh_token(session_id=session.id), refresh_token(session_id=session.id)
    await _add(uow_factory, session, token, sibling)
    async with uow_factory() as uow:
        assert await uow.identity.claim_refresh_token(token.digest) == token
        assert await uow.identity.claim_refresh_token("0" * 64) is None


async def test_using_a_refresh_token_records_when(uow_factory: UnitOfWorkFactory) -> None:
    owner = await _stored(uow_factory, user())
    session = auth_session(user_id=owner.id)
    token, sibling = refresh_token(session_id=session.id), refresh_token(session_id=session.id)
    await _add(uow_factory, session, token, sibling)
    async with uow_factory() as uow:
        await uow.identity.claim_refresh_token(token.digest)
        await uow.identity.use_refresh_token(token.digest, BASE_TIME + HOUR)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.identity.claim_refresh_token(token.digest) == RefreshToken(
            token.digest, session.id, token.issued_at, BASE_TIME + HOUR
        )
        assert await uow.identity.claim_refresh_token(sibling.digest) == sibling


async def test_a_claim_brings_the_token_with_its_session_and_user(uow_factory: UnitOfWorkFactory) -> None:
    owner = await _stored(uow_factory, user(role=Role.MANAGER))
    session = auth_session(user_id=owner.id)
    token = refresh_token(session_id=session.id)
    await _add(uow_factory, session, token)
    async with uow_factory() as uow:
        assert await uow.identity.claim_refresh(token.digest) == RefreshClaim(token, session, owner)
        assert await uow.identity.claim_refresh("0" * 64) is None


async def test_rotating_uses_the_token_touches_the_session_and_stores_the_next(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await _stored(uow_factory, user())
    session = auth_session(user_id=owner.id)
    token, sibling = refresh_token(session_id=session.id), refresh_token(session_id=session.id)
    await _add(uow_factory, session, token, sibling)
    later = BASE_TIME + HOUR
    following = refresh_token(session_id=session.id, issued_at=later)
    async with uow_factory() as uow:
        await uow.identity.claim_refresh(token.digest)
        await uow.identity.rotate_refresh_token(token.digest, following, idle_expires_at=later + HOUR)
        await uow.commit()
    async with uow_factory() as uow:
        claim = await uow.identity.claim_refresh(token.digest)
        assert claim is not None
        assert claim.token == RefreshToken(token.digest, session.id, token.issued_at, later)
        assert claim.session is not None
        assert (claim.session.last_used_at, claim.session.idle_expires_at) == (later, later + HOUR)
        assert await uow.identity.claim_refresh_token(following.digest) == following
        assert await uow.identity.claim_refresh_token(sibling.digest) == sibling


async def test_rotating_into_a_missing_session_is_an_invalid_reference(uow_factory: UnitOfWorkFactory) -> None:
    owner = await _stored(uow_factory, user())
    session = auth_session(user_id=owner.id)
    token = refresh_token(session_id=session.id)
    await _add(uow_factory, session, token)

    async def rotate_into_nothing() -> None:
        async with uow_factory() as uow:
            stray = refresh_token(session_id=uuid4())
            await uow.identity.rotate_refresh_token(token.digest, stray, idle_expires_at=BASE_TIME + HOUR)
            await uow.commit()

    with pytest.raises(InvalidReference) as caught:
        await rotate_into_nothing()
    assert caught.value.field == "session_id"
    async with uow_factory() as uow:
        assert await uow.identity.claim_refresh_token(token.digest) == token


async def test_a_refresh_token_of_a_missing_session_is_an_invalid_reference(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(InvalidReference) as caught:
        await _add(uow_factory, refresh_token(session_id=uuid4()))
    assert caught.value.field == "session_id"


async def test_a_session_and_its_token_can_be_added_in_one_unit_of_work(uow_factory: UnitOfWorkFactory) -> None:
    owner = user()
    session = auth_session(user_id=owner.id)
    token = refresh_token(session_id=session.id)
    async with uow_factory() as uow:
        await uow.repository(User).add(owner)
        await uow.identity.add_session(session)
        await uow.identity.add_refresh_token(token)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.identity.claim_refresh_token(token.digest) == token
        assert await uow.identity.live_sessions(owner.id, BASE_TIME) == [session]


async def test_deleting_a_user_deletes_its_sessions_and_their_tokens(uow_factory: UnitOfWorkFactory) -> None:
    owner, other = await _stored(uow_factory, user()), await _stored(uow_factory, user())
    session, others = auth_session(user_id=owner.id), auth_session(user_id=other.id)
    token, other_token = refresh_token(session_id=session.id), refresh_token(session_id=others.id)
    await _add(uow_factory, session, others, token, other_token)
    async with uow_factory() as uow:
        await uow.repository(User).delete(owner.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.identity.session(session.id) is None
        assert await uow.identity.claim_refresh_token(token.digest) is None
        assert await uow.identity.session(others.id) == others
        assert await uow.identity.claim_refresh_token(other_token.digest) == other_token
