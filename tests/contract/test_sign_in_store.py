"""SignInStore port (company sign-in): pending logins taken once, codes claimed and used,
identity links unique and bound to users; on memory and PostgreSQL, rollback included."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import pytest

from tests.factories import BASE_TIME, auth_session, persist, user
from upskill.domain.errors import Conflict, InvalidReference
from upskill.domain.identity import User
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.signin import AuthorizationCode, IdentityLink, PendingLogin, digest, new_secret

ISSUER = "https://idp.example.com"


def pending(**overrides: object) -> PendingLogin:
    values: dict[str, object] = {
        "state_digest": digest(new_secret()),
        "nonce": new_secret(),
        "code_verifier": new_secret(),
        "client_id": "web",
        "redirect_uri": "https://app.example.com/cb",
        "code_challenge": "c" * 43,
        "app_state": "xyz",
        "created_at": BASE_TIME,
        "expires_at": BASE_TIME + timedelta(minutes=10),
    }
    return PendingLogin(**{**values, **overrides})  # type: ignore[arg-type]


def code_for(owner: User, **overrides: object) -> AuthorizationCode:
    values: dict[str, object] = {
        "digest": digest(new_secret()),
        "user_id": owner.id,
        "client_id": "web",
        "redirect_uri": "https://app.example.com/cb",
        "code_challenge": "c" * 43,
        "created_at": BASE_TIME,
        "expires_at": BASE_TIME + timedelta(seconds=60),
    }
    return AuthorizationCode(**{**values, **overrides})  # type: ignore[arg-type]


async def test_a_pending_login_is_taken_once(uow_factory: UnitOfWorkFactory) -> None:
    login = pending()
    async with uow_factory() as uow:
        await uow.sign_in.add_pending(login)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sign_in.take_pending(login.state_digest) == login
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sign_in.take_pending(login.state_digest) is None


async def test_a_pending_login_taken_in_a_rolled_back_unit_of_work_is_still_there(
    uow_factory: UnitOfWorkFactory,
) -> None:
    login = pending()
    async with uow_factory() as uow:
        await uow.sign_in.add_pending(login)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sign_in.take_pending(login.state_digest) == login
    async with uow_factory() as uow:
        assert await uow.sign_in.take_pending(login.state_digest) == login


async def test_a_pending_login_not_committed_is_not_stored(uow_factory: UnitOfWorkFactory) -> None:
    login = pending()
    async with uow_factory() as uow:
        await uow.sign_in.add_pending(login)
    async with uow_factory() as uow:
        assert await uow.sign_in.take_pending(login.state_digest) is None


async def test_of_two_concurrent_takers_one_gets_the_pending_login(uow_factory: UnitOfWorkFactory) -> None:
    login = pending()
    async with uow_factory() as uow:
        await uow.sign_in.add_pending(login)
        await uow.commit()

    async def take() -> PendingLogin | None:
        async with uow_factory() as uow:
            taken = await uow.sign_in.take_pending(login.state_digest)
            await asyncio.sleep(0.05)
            await uow.commit()
            return taken

    results = await asyncio.gather(take(), take())
    assert sorted(r is not None for r in results) == [False, True]


async def test_expired_pending_logins_are_dropped_when_another_is_added(uow_factory: UnitOfWorkFactory) -> None:
    old = pending(expires_at=BASE_TIME - timedelta(seconds=1), created_at=BASE_TIME - timedelta(minutes=11))
    async with uow_factory() as uow:
        await uow.sign_in.add_pending(old)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.sign_in.add_pending(pending())
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.sign_in.take_pending(old.state_digest)
    # The memory twin keeps expired rows (the service checks expiry anyway); PostgreSQL drops them.
    assert found is None or found.expires_at < BASE_TIME


async def test_a_code_is_claimed_then_used_with_its_session(uow_factory: UnitOfWorkFactory) -> None:
    owner = user()
    session = auth_session(user_id=owner.id)
    await persist(uow_factory, owner)
    async with uow_factory() as uow:
        await uow.identity.add_session(session)
        code = code_for(owner)
        await uow.sign_in.add_code(code)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sign_in.claim_code(code.digest) == code
        await uow.sign_in.use_code(code.digest, BASE_TIME + timedelta(seconds=5), session.id)
        await uow.commit()
    async with uow_factory() as uow:
        used = await uow.sign_in.claim_code(code.digest)
    assert used == replace(code, used_at=BASE_TIME + timedelta(seconds=5), session_id=session.id)


async def test_a_concurrent_claim_waits_and_sees_the_code_used(uow_factory: UnitOfWorkFactory) -> None:
    owner = user()
    session = auth_session(user_id=owner.id)
    await persist(uow_factory, owner)
    code = code_for(owner)
    async with uow_factory() as uow:
        await uow.identity.add_session(session)
        await uow.sign_in.add_code(code)
        await uow.commit()

    async def exchange() -> bool:
        async with uow_factory() as uow:
            claimed = await uow.sign_in.claim_code(code.digest)
            assert claimed is not None
            if claimed.used_at is not None:
                return False
            await asyncio.sleep(0.05)
            await uow.sign_in.use_code(code.digest, BASE_TIME, session.id)
            await uow.commit()
            return True

    assert sorted(await asyncio.gather(exchange(), exchange())) == [False, True]


async def _commit_code(uow_factory: UnitOfWorkFactory, code: AuthorizationCode) -> None:
    async with uow_factory() as uow:
        await uow.sign_in.add_code(code)
        await uow.commit()


async def _commit_link(uow_factory: UnitOfWorkFactory, link: IdentityLink) -> None:
    async with uow_factory() as uow:
        await uow.sign_in.add_link(link)
        await uow.commit()


async def test_a_code_needs_an_existing_user(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(InvalidReference):
        await _commit_code(uow_factory, code_for(user()))


async def test_an_unknown_code_is_none(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.sign_in.claim_code(digest("nope")) is None


async def test_an_identity_link_finds_its_user_and_is_unique(uow_factory: UnitOfWorkFactory) -> None:
    ada, alan = user(), user()
    await persist(uow_factory, ada, alan)
    async with uow_factory() as uow:
        await uow.sign_in.add_link(IdentityLink(ISSUER, "sub-1", ada.id, BASE_TIME, "ada@example.com"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sign_in.user_by_link(ISSUER, "sub-1") == ada.id
        assert await uow.sign_in.user_by_link("https://other.example.com", "sub-1") is None
        assert await uow.sign_in.user_by_link(ISSUER, "sub-2") is None
    with pytest.raises(Conflict):
        await _commit_link(uow_factory, IdentityLink(ISSUER, "sub-1", alan.id, BASE_TIME))
    async with uow_factory() as uow:
        assert await uow.sign_in.user_by_link(ISSUER, "sub-1") == ada.id


async def test_a_link_needs_an_existing_user_and_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(InvalidReference):
        await _commit_link(uow_factory, IdentityLink(ISSUER, "ghost", uuid4(), BASE_TIME))
    ada = user()
    await persist(uow_factory, ada)
    async with uow_factory() as uow:
        await uow.sign_in.add_link(IdentityLink(ISSUER, "sub-9", ada.id, BASE_TIME))
    async with uow_factory() as uow:
        assert await uow.sign_in.user_by_link(ISSUER, "sub-9") is None


async def test_deleting_a_user_deletes_its_links(uow_factory: UnitOfWorkFactory) -> None:
    ada = user()
    await persist(uow_factory, ada)
    async with uow_factory() as uow:
        await uow.sign_in.add_link(IdentityLink(ISSUER, "sub-3", ada.id, BASE_TIME))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.repository(User).delete(ada.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sign_in.user_by_link(ISSUER, "sub-3") is None
